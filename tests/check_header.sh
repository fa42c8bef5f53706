#!/bin/sh
# The public header compiles alone as strict C99 and as C++11, and declares
# nothing a C++ caller cannot link (extern "C").
set -eu
B=${B:-build}; CC=${CC:-cc}; CXX=${CXX:-c++}
mkdir -p "$B/tests"
$CC -std=c99 -pedantic -Wall -Wextra -Werror -Iinclude -c tests/header_c99.c -o "$B/tests/header_c99.o"
$CXX -std=c++11 -pedantic -Wall -Wextra -Werror -Iinclude tests/header_cxx.cc -o "$B/tests/header_cxx" \
    -L"$B" -ldescent -Wl,-rpath,"$(pwd)/$B"
"$B/tests/header_cxx"
echo "header: C99 and C++11 OK"
