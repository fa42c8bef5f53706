#!/bin/sh
# The shared library exports only dsc_* (and its version node), with SONAME
# libdescent.so.MAJOR.
set -eu
B=${B:-build}
major=$(sed -n 's/^#define DESCENT_VERSION_MAJOR \([0-9]*\).*/\1/p' include/descent.h)
so="$B/libdescent.so.$major"
bad=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^dsc_' | grep -v '^DESCENT_' || true)
if [ -n "$bad" ]; then echo "exported symbols outside dsc_*:"; echo "$bad"; exit 1; fi
n=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -c '^dsc_')
[ "$n" -gt 0 ] || { echo "no dsc_ symbols exported"; exit 1; }
soname=$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libdescent.so.$major" ] || { echo "SONAME is '$soname', expected libdescent.so.$major"; exit 1; }
# Every symbol carries the version node of its tier (lib/descent.map, docs/abi.md).
minor=$(sed -n 's/^#define DESCENT_VERSION_MINOR \([0-9]*\).*/\1/p' include/descent.h)
nodes=$(objdump -T "$so" | awk '$NF ~ /^dsc_/ {print $(NF-1)}' | sort -u | tr '\n' ' ')
[ "$nodes" = "DESCENT_$major.$minor DESCENT_EXPERIMENTAL_$major.$minor " ] ||
    { echo "dsc_* symbols carry the version nodes '$nodes'; expected DESCENT_$major.$minor and DESCENT_EXPERIMENTAL_$major.$minor"; exit 1; }
echo "$n dsc_* symbols exported, nothing else, in nodes $nodes; SONAME $soname"
