build-fz/obj/lib/kernels/sse2/reduce.o: lib/kernels/sse2/reduce.c \
  lib/kernels/sse2/simd.h lib/kernels/sse2/../reduce_tmpl.h \
  lib/kernels/sse2/../kernels.h

lib/kernels/sse2/simd.h:

lib/kernels/sse2/../reduce_tmpl.h:

lib/kernels/sse2/../kernels.h:
