#!/bin/sh
# Files move between architectures as they are (issue 11): the AArch64 build
# (under qemu-aarch64) writes a model file and a checkpoint that the x86-64
# build reads back bit for bit, and the reverse; the two machines' files must
# also be the same bytes. The checked-in x86-64 files are read on both sides by
# test_checkpoint_xarch itself (make check and make check-neon).
# Environment: B (build dir), RUNNER. Needs $B/tests/test_checkpoint_xarch and,
# from make check-neon, $B/aarch64/tests/test_checkpoint_xarch.
set -u
B=${B:-build}
RUNNER=${RUNNER:-}
case "$(uname -m)" in x86_64) ;; *) echo "SKIP: not an x86-64 host (check-neon runs natively)"; exit 0 ;; esac
native=$B/tests/test_checkpoint_xarch
cross=$B/aarch64/tests/test_checkpoint_xarch
for f in "$native" "$cross"; do [ -x "$f" ] || { echo "FAIL $f not built (make check builds both)"; exit 1; }; done
command -v qemu-aarch64 >/dev/null || { echo "FAIL qemu-aarch64 missing (tools/install-deps.sh check)"; exit 1; }
qemu() { qemu-aarch64 -L /usr/aarch64-linux-gnu "$@"; }

tmp=$(mktemp -d /tmp/dsc_xarch_check.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/aarch64" "$tmp/x86_64"
fail=0
step() { # description, command...
    d=$1; shift
    if "$@"; then echo "ok   $d"; else echo "FAIL $d"; fail=1; fi
}
step "aarch64 (qemu) writes" qemu "$cross" write "$tmp/aarch64"
step "x86-64 reads the aarch64 files" $RUNNER "$native" read "$tmp/aarch64"
step "x86-64 writes" $RUNNER "$native" write "$tmp/x86_64"
step "aarch64 (qemu) reads the x86-64 files" qemu "$cross" read "$tmp/x86_64"
for f in xarch_model.safetensors xarch_checkpoint.safetensors; do
    step "$f: the same bytes from both machines" cmp "$tmp/aarch64/$f" "$tmp/x86_64/$f"
done
exit $fail
