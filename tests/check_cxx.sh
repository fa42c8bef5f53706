#!/bin/sh
# include/descent.hpp, the C++17 layer: tests/cxx_wrapper.cc (a training loop,
# errors as exceptions and as statuses, move-only handles, a model file round
# trip) built with g++ and clang++ under -Wall -Wextra -pedantic -Werror, with
# exceptions and with -fno-exceptions, and run; then examples/cpp_app.cpp with
# both compilers. clang++ comes from tools/install-deps.sh check.
set -eu
B=${B:-build}
mkdir -p "$B/tests/cxx"
out=$(cd "$B/tests/cxx" && pwd)
FLAGS="-std=c++17 -Wall -Wextra -pedantic -Werror -Wshadow -Wconversion -Iinclude"
LINK="-L$B -ldescent -Wl,-rpath,$(pwd)/$B"
for cxx in g++ clang++; do
    command -v $cxx >/dev/null || { echo "check_cxx: $cxx is missing (tools/install-deps.sh check)"; exit 1; }
    $cxx $FLAGS -O1 tests/cxx_wrapper.cc -o "$out/wrapper.$cxx" $LINK
    $cxx $FLAGS -O1 -fno-exceptions tests/cxx_wrapper.cc -o "$out/wrapper_noexc.$cxx" $LINK
    $cxx $FLAGS -O1 examples/cpp_app.cpp -o "$out/cpp_app.$cxx" $LINK
    (cd "$out" && ${RUNNER:-} "./wrapper.$cxx" && ${RUNNER:-} "./wrapper_noexc.$cxx") || exit 1
    echo "PASS descent.hpp with $cxx (exceptions and -fno-exceptions), cpp_app builds"
done
