#!/bin/sh
# The public header compiles alone as strict C99 and as C++11, and declares
# nothing a C++ caller cannot link (extern "C"). The experimental tier is
# declared only for hosts that define DESCENT_EXPERIMENTAL_API.
set -eu
B=${B:-build}; CC=${CC:-cc}; CXX=${CXX:-c++}
mkdir -p "$B/tests"
C99="$CC -std=c99 -pedantic -Wall -Wextra -Werror -Iinclude"
$C99 -c tests/header_c99.c -o "$B/tests/header_c99.o"
$C99 -DDESCENT_EXPERIMENTAL_API -c tests/header_c99.c -o "$B/tests/header_c99_exp.o"
# Without the macro an experimental function is undeclared: this must not compile.
printf '#include <descent.h>\nvoid f(void);\nvoid f(void) { dsc_tensor_free(0); }\n' > "$B/tests/header_tier.c"
if $C99 -c "$B/tests/header_tier.c" -o "$B/tests/header_tier.o" 2>/dev/null; then
    echo "header: dsc_tensor_free is declared without DESCENT_EXPERIMENTAL_API"; exit 1
fi
$CXX -std=c++11 -pedantic -Wall -Wextra -Werror -Iinclude tests/header_cxx.cc -o "$B/tests/header_cxx" \
    -L"$B" -ldescent -Wl,-rpath,"$(pwd)/$B"
"$B/tests/header_cxx"
echo "header: C99 (both tiers) and C++11 OK; the experimental tier needs DESCENT_EXPERIMENTAL_API"
