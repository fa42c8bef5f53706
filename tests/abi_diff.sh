#!/bin/sh
# The stable ABI of the built library against the recorded baseline
# (abi/libdescent.so.MAJOR.abi, written by `make abi-baseline` with libabigail's
# abidw). Any change to a stable function (removed, or a parameter or return
# type changed) fails; added symbols and the experimental tier
# (abi/suppressions.abignore) pass. Then it proves the check can fail: copies
# of the library with a stable function removed, and with one parameter type
# changed, must both be refused. docs/abi.md says how to change the baseline
# on purpose. Needs abidiff (Debian abigail-tools) and the objects of `make lib`.
set -eu
B=${B:-build}; CC=${CC:-cc}
LDLIBS=${LDLIBS:--lm -lpthread -lz}
CFLAGS_ALL=${CFLAGS_ALL:-"-std=c11 -D_POSIX_C_SOURCE=200809L -fPIC -fvisibility=hidden -O2 -g"}
command -v abidiff >/dev/null || { echo "abi_diff: abidiff is missing (apt-get install abigail-tools)"; exit 1; }
version=$(sed -n 's/^#define DESCENT_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' include/descent.h | paste -sd.)
major=${version%%.*}
so="$B/libdescent.so.$version"
base="abi/libdescent.so.$major.abi"
supp=abi/suppressions.abignore
[ -f "$so" ] || { echo "abi_diff: $so is missing (run make lib first)"; exit 1; }
[ -f "$base" ] || { echo "abi_diff: no baseline $base (make abi-baseline)"; exit 1; }
out="$B/abi"; rm -rf "$out"; mkdir -p "$out/include"
diff_base() { abidiff --exported-interfaces-only --no-added-syms --suppressions "$supp" "$base" "$1" > "$2"; }

# Every stable symbol of the baseline must have its function's declaration
# (abidw without --exported-interfaces-only loses some: then nothing about
# them would be compared).
nsym=$(grep -c "<elf-symbol name='dsc_[a-z0-9_]*' version='DESCENT_$major\." "$base" || true)
ndecl=$(grep -o "elf-symbol-id='dsc_[a-z0-9_]*@@DESCENT_$major\.[0-9]*'" "$base" | sort -u | wc -l)
[ "$nsym" -gt 0 ] && [ "$nsym" -eq "$ndecl" ] ||
    { echo "abi_diff: $base describes $ndecl of its $nsym stable functions; regenerate it (make abi-baseline)"; exit 1; }

if ! diff_base "$so" "$out/stable.txt"; then
    cat "$out/stable.txt"
    echo "abi_diff: the stable ABI differs from $base. If that is on purpose (a new major"
    echo "version, or a 0.x minor release that restarts the version node), update the"
    echo "baseline with 'make abi-baseline' and say so in CHANGELOG.md (docs/abi.md)."
    exit 1
fi

objs=$(find "$B/obj/lib" -name '*.o' | sort)
# A copy without one stable function.
grep -v '^        dsc_accuracy;$' lib/descent.map > "$out/removed.map"
$CC -shared -Wl,-soname,libdescent.so.$major -o "$out/removed.so" $objs -Wl,--version-script="$out/removed.map" $LDLIBS
if diff_base "$out/removed.so" "$out/removed.txt"; then
    echo "abi_diff: abidiff accepted a library without dsc_accuracy"; exit 1
fi
# A copy whose dsc_model_new takes an unsigned width instead of a size_t.
sed 's/dsc_model_new(dsc_model \*\*out, size_t input_width)/dsc_model_new(dsc_model **out, unsigned input_width)/' \
    include/descent.h > "$out/include/descent.h"
sed 's/dsc_model_new(dsc_model \*\*out, size_t input_width)/dsc_model_new(dsc_model **out, unsigned input_width)/' \
    lib/nn/model.c > "$out/model.c"
cmp -s include/descent.h "$out/include/descent.h" && { echo "abi_diff: the header patch did not apply"; exit 1; }
cmp -s lib/nn/model.c "$out/model.c" && { echo "abi_diff: the source patch did not apply"; exit 1; }
$CC -I"$out/include" -iquote lib/nn $CFLAGS_ALL -c "$out/model.c" -o "$out/model.o"
changed=$(echo "$objs" | sed "s|^$B/obj/lib/nn/model.o\$|$out/model.o|")
$CC -shared -Wl,-soname,libdescent.so.$major -o "$out/changed.so" $changed -Wl,--version-script=lib/descent.map $LDLIBS
if diff_base "$out/changed.so" "$out/changed.txt"; then
    echo "abi_diff: abidiff accepted a library whose dsc_model_new changed a parameter type"; exit 1
fi
nstable=$(grep -c "version='DESCENT_$major\." "$base" || true)
echo "abi: stable ABI matches $base ($nstable stable symbols); a removed and a changed function are caught"
