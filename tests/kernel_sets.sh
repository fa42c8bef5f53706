#!/bin/sh
# Prints the kernel sets this machine runs (the ones examples/version reports
# as honoured), or $ISAS when the caller already chose. Shared by tests/run.sh
# and the checks it runs. Usage: tests/kernel_sets.sh BUILD_DIR
if [ -n "${ISAS:-}" ]; then echo "$ISAS"; exit 0; fi
sets=""
for isa in scalar sse2 avx2 avx512 neon; do
    DESCENT_ISA=$isa ${RUNNER:-} "$1/examples/version" 2>/dev/null | grep -q "kernels: $isa\$" && sets="$sets $isa"
done
echo $sets
