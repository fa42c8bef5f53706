#!/bin/sh
# Both builds compile the same sources: every .c under lib/ is named in a meson.build.
set -eu
missing=0
for f in $(find lib -name '*.c' | sort); do
    dir=$(dirname "$f"); base=$(basename "$f")
    pat="'${f#lib/}'"
    case "$f" in lib/kernels/sse2/*|lib/kernels/avx2/*|lib/kernels/avx512/*|lib/kernels/neon/*)
        pat="/ isa / '$base'" ;; # listed once for every ISA directory
    esac
    if ! grep -qsF "$pat" lib/meson.build; then
        echo "$f is built by make but not by meson"; missing=1
    fi
done
for t in tests/test_*.c; do
    grep -q "'$(basename "$t" .c)'" tests/meson.build || { echo "$t is not in tests/meson.build"; missing=1; }
done
for e in examples/*.c examples/*.cpp; do
    grep -q "'$(basename "${e%.*}")'" examples/meson.build || { echo "$e is not in examples/meson.build"; missing=1; }
done
[ $missing -eq 0 ] && echo "meson and make build the same sources"
exit $missing
