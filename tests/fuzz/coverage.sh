#!/bin/sh
# Line coverage of the library reached by each fuzz target's corpus: the
# working corpus of `make fuzz` (FUZZ_B/corpus/<name>) when there is one,
# else the seeds (tests/fuzz/corpus/<name>). Builds the library and each
# target with clang's source-based coverage and the replay driver, replays
# the corpus and writes llvm-cov's report per file to
# FUZZ_B/coverage/<name>.txt; prints the total line of each.
# Run by `make fuzz-coverage` (FUZZ_B, FUZZ_CC and FUZZ_TARGETS from there).
set -eu
FUZZ_B=${FUZZ_B:-build-fuzz}
CC=${FUZZ_CC:-clang}
C="$FUZZ_B/cov"
flags="-O1 -g -fprofile-instr-generate -fcoverage-mapping"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -j2 B="$C" CC="$CC" CFLAGS="$flags" "$C/libdescent.a" >/dev/null
dsc_cflags=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -f - print <<'EOF'
include Makefile
print: ; @echo $(DSC_CFLAGS) $(LDLIBS)
EOF
)
mkdir -p "$FUZZ_B/coverage"
for name in ${FUZZ_TARGETS:-$(cd tests/fuzz && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')}; do
    corpus="$FUZZ_B/corpus/$name"
    [ -d "$corpus" ] || corpus="tests/fuzz/corpus/$name"
    # shellcheck disable=SC2086
    "$CC" $dsc_cflags -Ilib -Itests/fuzz $flags -DDSC_FUZZ_REPLAY -o "$C/fuzz_$name" "tests/fuzz/fuzz_$name.c" \
        tests/fuzz/replay.c "$C/libdescent.a" -lm -lpthread -lz
    rm -f "$C/$name".profraw
    LLVM_PROFILE_FILE="$C/$name.profraw" "$C/fuzz_$name" "$corpus" >/dev/null 2>&1
    llvm-profdata merge -sparse -o "$C/$name.profdata" "$C/$name.profraw"
    llvm-cov report "$C/fuzz_$name" -instr-profile="$C/$name.profdata" -ignore-filename-regex='tests/' \
        > "$FUZZ_B/coverage/$name.txt"
    n=$(ls "$corpus" | wc -l)
    grep '^TOTAL' "$FUZZ_B/coverage/$name.txt" |
        awk -v n="$name" -v k="$n" -v c="$corpus" '{print n ": " k " inputs (" c "): lines " $10 " of " $8 ", functions " $7 ", regions " $4}'
done
