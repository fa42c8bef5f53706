#!/bin/sh
# make install into a temporary root, then build and run an example with
# pkg-config against the installed copy only.
set -eu
B=${B:-build}; CC=${CC:-cc}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
make -s install B="$B" DESTDIR="$root" PREFIX=/usr >/dev/null
test -f "$root/usr/include/descent.h"
test -f "$root/usr/include/descent.hpp"
test -f "$root/usr/lib/libdescent.a"
test -L "$root/usr/lib/libdescent.so"
test -f "$root/usr/lib/pkgconfig/descent.pc"
export PKG_CONFIG_PATH="$root/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
flags=$(pkg-config --cflags --libs descent)
echo "pkg-config: $flags (version $(pkg-config --modversion descent))"
$CC -o "$root/version" examples/version.c $flags
LD_LIBRARY_PATH="$root/usr/lib" "$root/version"
# The C++ layer from the installed headers alone.
${CXX:-c++} -std=c++17 -Wall -Wextra -pedantic -Werror -o "$root/cpp_app" examples/cpp_app.cpp $flags
# Static linking through pkg-config --static.
$CC -o "$root/version_static" examples/version.c -static-libgcc $(pkg-config --cflags descent) \
    "$root/usr/lib/libdescent.a" $(pkg-config --libs-only-l --static descent | sed 's/-ldescent//')
"$root/version_static"
