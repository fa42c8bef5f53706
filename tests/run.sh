#!/bin/sh
# Runs every check of `make check` and ends with one line "N passed, M failed".
# Arguments: the CMocka test binaries. Environment: B (build dir), CC, CXX.
# Each binary runs once per kernel set the CPU supports (DESCENT_ISA).
# Optional: RUNNER (a wrapper such as valgrind), ISAS (kernel sets to use),
# CHECKS (the shell checks to run; default tests/check_*.sh), FUZZ (fuzz
# targets built with tests/fuzz/replay.c: each replays its seed corpus,
# tests/fuzz/corpus/<name> for $B/fuzz/fuzz_<name>, once).
set -u
RUNNER=${RUNNER:-}
B=${B:-build}
CC=${CC:-cc}
CXX=${CXX:-c++}
passed=0
failed=0
failures=""

record() { # name, exit status
    if [ "$2" -eq 0 ]; then passed=$((passed + 1)); echo "PASS $1"
    else failed=$((failed + 1)); failures="$failures $1"; echo "FAIL $1"; fi
}

isas=$(RUNNER="$RUNNER" sh tests/kernel_sets.sh "$B")
echo "kernel sets on this machine:$isas"

for t in "$@"; do
    name=$(basename "$t")
    for isa in $isas; do
        DESCENT_ISA=$isa $RUNNER "$t" > "$B/tests/$name.$isa.log" 2>&1
        rc=$?
        [ $rc -eq 0 ] || cat "$B/tests/$name.$isa.log"
        record "$name[$isa]" $rc
    done
done
# The unsupported-request fallback, on a set this CPU cannot run.
case "$(uname -m)" in aarch64) foreign=avx2 ;; *) foreign=neon ;; esac
DESCENT_ISA=$foreign $RUNNER "$B/tests/test_isa" > "$B/tests/test_isa.fallback.log" 2>&1
rc=$?; [ $rc -eq 0 ] || cat "$B/tests/test_isa.fallback.log"; record "test_isa[DESCENT_ISA=$foreign]" $rc

# The fuzz targets' corpora, every input once, on the default kernel set.
for t in ${FUZZ:-}; do
    name=$(basename "$t")
    corpus=tests/fuzz/corpus/${name#fuzz_}
    $RUNNER "$t" "$corpus" > "$t.log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then tail -n 1 "$t.log" | sed "s|^replay:|  $name:|"; else tail -n 30 "$t.log"; fi
    record "$name[replay]" $rc
done

for script in ${CHECKS-tests/check_*.sh}; do
    [ -e "$script" ] || continue
    B="$B" CC="$CC" CXX="$CXX" RUNNER="$RUNNER" ISAS="$isas" sh "$script" > "$B/tests/$(basename "$script").log" 2>&1
    rc=$?
    [ $rc -eq 0 ] || cat "$B/tests/$(basename "$script").log"
    record "$(basename "$script" .sh)" $rc
done

[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
