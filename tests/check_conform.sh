#!/bin/sh
# descent-conform over the PyTorch golden vectors (`descent-ref 1` files,
# format in tests/conform/cases/FORMAT.md and tests/conform/ref.h), once per
# kernel set this machine runs. REF is their directory: by default the copy
# in this repository, tests/conform/cases; REF=DIR runs another set (such as
# a hidden one with the same file names); REF_NEXT likewise for next/. Every case of the kinds in
# CONFORM_GLOBS must pass; CONFORM_EXCLUDE can name cases to skip (none now).
# On an x86-64 host with the aarch64 cross compiler and qemu-aarch64
# (tools/install-deps.sh check), the cases also run on an aarch64 build
# under scalar and neon (see the end); CONFORM_NEON=0 skips that.
set -u
B=${B:-build}
REF=${REF:-tests/conform/cases}
CONFORM_GLOBS="optimizer-*.ref scheduler-*.ref network-*.ref"
CONFORM_EXCLUDE=""

files=""
for glob in $CONFORM_GLOBS; do
    for f in "$REF"/$glob; do
        [ -e "$f" ] || continue
        [ -n "$CONFORM_EXCLUDE" ] && case "$(basename "$f")" in $CONFORM_EXCLUDE) continue ;; esac
        files="$files $f"
    done
done
[ -n "$files" ] || { echo "no reference cases found under $REF"; exit 1; }

# The layered networks and Rprop (next/; REF_NEXT=DIR replays another set with
# the same names). NEXT_EXCLUDE lists the cases whose layers or optimizer the
# library does not have yet; each kind that lands takes its cases off it.
REF_NEXT=${REF_NEXT:-tests/conform/next}
NEXT_EXCLUDE=""
for f in "$REF_NEXT"/*.ref; do
    [ -e "$f" ] || continue
    skip=0
    for pat in $NEXT_EXCLUDE; do
        case "$(basename "$f" .ref)" in $pat) skip=1 ;; esac
    done
    [ $skip -eq 0 ] && files="$files $f"
done

# Beyond the cases under REF: random hyperparameters, flags, clipping, sizes
# and step counts, from the independent float64
# re-derivation in tests/conform/optimizer_cases.py, which must first
# reproduce every public optimizer case. A fixed seed keeps runs repeatable.
if command -v python3 >/dev/null; then
    python3 tests/conform/optimizer_cases.py validate "$REF" || exit 1
    if ls "$REF_NEXT"/optimizer-*.ref >/dev/null 2>&1; then
        python3 tests/conform/optimizer_cases.py validate "$REF_NEXT" || exit 1
    fi
    rm -rf "$B/conform-random"
    python3 tests/conform/optimizer_cases.py generate "$B/conform-random" 20261130 8 || exit 1
    files="$files $(ls "$B"/conform-random/*.ref | tr '\n' ' ')"
fi

isas=$(sh tests/kernel_sets.sh "$B")

status=0
for isa in $isas; do
    # shellcheck disable=SC2086
    out=$(DESCENT_ISA=$isa ${RUNNER:-} "$B/descent-conform" $files)
    rc=$?
    echo "[$isa] $(echo "$out" | tail -n 1)"
    if [ $rc -ne 0 ]; then
        echo "$out" | grep '^FAIL'
        status=1
    fi
done

# The aarch64 run: the static library cross-built into $B/aarch64, the
# runner linked statically against it (so the aarch64 libraries the shared
# library links, such as zlib, are needed only if the runner pulls them in),
# then every case under qemu with the scalar and neon kernel sets.
if [ "${CONFORM_NEON:-1}" = 0 ] || [ "$(uname -m)" != x86_64 ]; then
    :
elif ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
    echo "SKIP aarch64: no aarch64-linux-gnu-gcc or qemu-aarch64"
else
    A="$B/aarch64"
    mkdir -p "$A"
    # A clean make: not the parent's flags (check-asan passes sanitizer CFLAGS down).
    if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u CFLAGS -u LDFLAGS make -s -j2 \
            CC=aarch64-linux-gnu-gcc AR=aarch64-linux-gnu-ar B="$A" "$A/libdescent.a" \
            > "$A.build.log" 2>&1; then
        cat "$A.build.log"
        echo "aarch64 cross build failed"
        exit 1
    fi
    ldlibs=$(sed -n 's/^LDLIBS *:= *//p' Makefile)
    link() { # output, sources...
        out=$1; shift
        aarch64-linux-gnu-gcc -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude -O2 -o "$out" "$@" \
            "$A/libdescent.a" -lm -lpthread 2>/dev/null ||
        aarch64-linux-gnu-gcc -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude -O2 -o "$out" "$@" \
            "$A/libdescent.a" $ldlibs 2>/dev/null
    }
    if ! link "$A/descent-conform" tests/conform/*.c || ! link "$A/version" examples/version.c; then
        echo "SKIP aarch64: cannot link the runner for aarch64 (libraries: $ldlibs)"
    else
        for isa in scalar neon; do
            QEMU_LD_PREFIX=/usr/aarch64-linux-gnu DESCENT_ISA=$isa qemu-aarch64 "$A/version" |
                grep -q "kernels: $isa\$" || { echo "qemu-aarch64: $isa not selected"; status=1; }
            # shellcheck disable=SC2086
            out=$(QEMU_LD_PREFIX=/usr/aarch64-linux-gnu DESCENT_ISA=$isa qemu-aarch64 \
                  "$A/descent-conform" $files)
            rc=$?
            echo "[$isa, qemu-aarch64] $(echo "$out" | tail -n 1)"
            if [ $rc -ne 0 ]; then
                echo "$out" | grep '^FAIL'
                status=1
            fi
        done
    fi
fi
exit $status
