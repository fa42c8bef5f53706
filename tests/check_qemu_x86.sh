#!/bin/sh
# Pre-AVX proof: on CPUs without AVX (qemu-x86_64 -cpu Nehalem, core2duo),
# dispatch picks sse2 and no test executes an instruction the CPU lacks (a
# SIGILL would end the run with status 132). A Haswell run is the control
# showing that qemu's -cpu really changes what detection sees.
# Environment: B (build dir). Needs the binaries of `make check`.
set -u
B=${B:-build}
case "$(uname -m)" in x86_64) ;; *) echo "SKIP: not an x86-64 host"; exit 0 ;; esac
command -v qemu-x86_64 >/dev/null || { echo "qemu-x86_64 missing (tools/install-deps.sh check)"; exit 1; }
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

expect_isa() { # cpu, wanted kernel set, extra environment
    out=$(env -u DESCENT_ISA $3 qemu-x86_64 -cpu "$1" "$B/examples/version" 2>/dev/null); rc=$?
    first=$(echo "$out" | head -1)
    if [ $rc -eq 0 ] && [ "${first##*kernels: }" = "$2" ]; then ok "-cpu $1 $3: $(echo $out)"
    else bad "-cpu $1 $3: exit $rc, '$out' (wanted kernels: $2)"; fi
}

for cpu in Nehalem core2duo; do
    expect_isa "$cpu" sse2 ""
    # A request for a set the CPU lacks falls back instead of faulting.
    expect_isa "$cpu" sse2 DESCENT_ISA=avx512
    expect_isa "$cpu" scalar DESCENT_ISA=scalar
    for t in test_kernels test_isa test_fpenv; do
        [ -x "$B/tests/$t" ] || { bad "$B/tests/$t not built"; continue; }
        for isa in best avx2 scalar; do
            if [ $isa = best ]; then set -- env -u DESCENT_ISA; else set -- env DESCENT_ISA=$isa; fi
            "$@" qemu-x86_64 -cpu "$cpu" "$B/tests/$t" > "$B/tests/$t.qemu-$cpu-$isa.log" 2>&1
            rc=$?
            if [ $rc -eq 0 ]; then ok "-cpu $cpu DESCENT_ISA=$isa $t"
            else cat "$B/tests/$t.qemu-$cpu-$isa.log"; bad "-cpu $cpu DESCENT_ISA=$isa $t: exit $rc"; fi
        done
    done
done
# Control: with AVX2 in the CPU model, detection sees it.
expect_isa Haswell avx2 ""
exit $fail
