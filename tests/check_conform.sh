#!/bin/sh
# descent-conform over the PyTorch golden vectors, once per kernel set this
# machine runs. Every case of the kinds in CONFORM_GLOBS must pass; a kind
# is added here when its issue lands. Cases listed in CONFORM_EXCLUDE wait
# for a feature that is not merged yet (none now).
set -u
B=${B:-build}
REF=${REF:-../shared/reference/cases}
CONFORM_GLOBS="optimizer-*.ref scheduler-*.ref network-*.ref"
CONFORM_EXCLUDE=""

files=""
for glob in $CONFORM_GLOBS; do
    for f in "$REF"/$glob; do
        [ -e "$f" ] || continue
        case "$(basename "$f")" in $CONFORM_EXCLUDE) continue ;; esac
        files="$files $f"
    done
done
[ -n "$files" ] || { echo "no reference cases found under $REF"; exit 1; }

isas=""
for isa in scalar sse2 avx2 avx512 neon; do
    DESCENT_ISA=$isa "$B/examples/version" 2>/dev/null | grep -q "kernels: $isa\$" && isas="$isas $isa"
done

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
exit $status
