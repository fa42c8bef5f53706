#!/bin/sh
# Prints the version from include/descent.h, the single place it is written.
h="$(dirname "$0")/../include/descent.h"
v() { sed -n "s/^#define DESCENT_VERSION_$1 \([0-9]*\).*/\1/p" "$h"; }
echo "$(v MAJOR).$(v MINOR).$(v PATCH)"
