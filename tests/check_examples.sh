#!/bin/sh
# The examples train to a small loss: run each and compare the "final loss:"
# line it prints with a threshold, once per kernel set the CPU runs.
# Environment: B (build dir).
set -u
B=${B:-build}
status=0
check() { # example, threshold
    out=$("$B/examples/$1" 2>&1)
    rc=$?
    echo "$out"
    if [ $rc -ne 0 ]; then echo "FAIL $1: exit status $rc"; status=1; return; fi
    loss=$(echo "$out" | sed -n 's/^final loss: \([0-9.eE+-]*\).*/\1/p')
    if [ -z "$loss" ]; then echo "FAIL $1: no 'final loss:' line"; status=1; return; fi
    if awk -v l="$loss" -v t="$2" 'BEGIN { exit !(l < t) }'; then
        echo "PASS $1: final loss $loss < $2"
    else
        echo "FAIL $1: final loss $loss is not below $2"; status=1
    fi
}
isas=""
for isa in scalar sse2 avx2 avx512 neon; do
    DESCENT_ISA=$isa "$B/examples/version" 2>/dev/null | grep -q "kernels: $isa\$" && isas="$isas $isa"
done
for isa in $isas; do
    export DESCENT_ISA=$isa
    echo "== DESCENT_ISA=$isa"
    check xor 0.01
    check regression 0.01
done
exit $status
