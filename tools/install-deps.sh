#!/bin/sh
# Installs the Debian packages a descent target needs, only when one is missing.
#   tools/install-deps.sh check   what `make check` needs (compilers: gcc, g++ and clang, which
#                                 tests/check_cxx.sh builds include/descent.hpp with; CMocka, zlib, cJSON, qemu for NEON,
#                                 and CMocka, cJSON and zlib for arm64 through Debian multiarch for
#                                 `make check-neon`, and OpenMPI for examples/data_parallel_mpi.c)
#   tools/install-deps.sh ci      check + meson, doxygen, valgrind, clang, abigail-tools, PyTorch
#                                 (what .ci/run needs; python3-torch for the Python binding's
#                                 PyTorch interop tests, which `make check` skips without it: about
#                                 300 packages and 900 MB installed, too much for every `make check`)
#   tools/install-deps.sh fuzz    clang, its sanitizer and libFuzzer runtimes and llvm-cov for `make fuzz`
#   tools/install-deps.sh docs    doxygen (what `make docs` needs)
#   tools/install-deps.sh abi     libabigail's abidw/abidiff for `make check-abi`
#   tools/install-deps.sh demo    the Fashion-MNIST data set for `make demo`
#   tools/install-deps.sh bench   OpenBLAS, FANN (libfann-dev, FANN 2.2) and PyTorch for the side-by-side
#                                 benchmarks, and perf (linux-perf) for the profiles in bench/README.md
# As root it runs apt-get; otherwise it prints the exact apt-get line and fails.
set -eu
pkgs_check="gcc g++ clang make pkg-config libc6-dev libcmocka-dev zlib1g-dev libcjson-dev binutils
  qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross python3 python3-pytest python3-numpy
  python3-setuptools python3-pip python3-venv libopenmpi-dev openmpi-bin
  libcmocka-dev:arm64 libcjson-dev:arm64 zlib1g-dev:arm64"
pkgs_fuzz="clang libclang-rt-14-dev llvm make libc6-dev zlib1g-dev libcjson-dev"
pkgs_abi="abigail-tools"
pkgs_ci="$pkgs_check $pkgs_fuzz meson ninja-build doxygen valgrind git python3-torch $pkgs_abi"
pkgs_docs="doxygen"
pkgs_demo="dataset-fashion-mnist"
pkgs_bench="libcjson-dev libopenblas-dev libfann-dev python3-torch python3-numpy linux-perf"

want=""
for group in "${@:-check}"; do
  case "$group" in
    check) want="$want $pkgs_check" ;;
    ci)    want="$want $pkgs_ci" ;;
    fuzz)  want="$want $pkgs_fuzz" ;;
    docs)  want="$want $pkgs_docs" ;;
    abi)   want="$want $pkgs_abi" ;;
    demo)  want="$want $pkgs_demo" ;;
    bench) want="$want $pkgs_bench" ;;
    *) echo "install-deps: unknown group '$group' (check|ci|fuzz|docs|abi|demo|bench)" >&2; exit 2 ;;
  esac
done

missing=""
for p in $want; do
  case " $missing " in *" $p "*) continue ;; esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "descent needs these Debian packages; run as root:" >&2
  echo "  apt-get install -y$missing" >&2
  exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
update=0
# An apt-get update is needed on a fresh root; skip it when lists are recent.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
  update=1
fi
# arm64 packages (CMocka, cJSON, zlib for the cross-built tests) come through
# multiarch: the architecture must be known, and its package lists fetched.
case "$missing" in *:arm64*)
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
    update=1
  fi
  ls /var/lib/apt/lists/*binary-arm64_Packages* >/dev/null 2>&1 || update=1
esac
[ "$update" -eq 0 ] || apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
