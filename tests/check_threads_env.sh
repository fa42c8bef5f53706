#!/bin/sh
# DESCENT_THREADS: tests/test_parallel.c once more with the variable set to 2
# (its first test then expects a pool of 2 before any setter, and every
# bit-identity test starts from that pool) and once set to a value that is not
# a count (ignored: no threads). Default kernel set only. Environment: B
# (build dir), RUNNER (optional wrapper).
set -u
B=${B:-build}
status=0
for v in 2 lots; do
    if DESCENT_THREADS=$v ${RUNNER:-} "$B/tests/test_parallel" > "$B/tests/test_parallel.env-$v.log" 2>&1; then
        echo "PASS test_parallel with DESCENT_THREADS=$v"
    else
        cat "$B/tests/test_parallel.env-$v.log"
        echo "FAIL test_parallel with DESCENT_THREADS=$v"
        status=1
    fi
done
exit $status
