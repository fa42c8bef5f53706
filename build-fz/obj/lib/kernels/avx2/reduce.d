build-fz/obj/lib/kernels/avx2/reduce.o: lib/kernels/avx2/reduce.c \
  lib/kernels/avx2/simd.h lib/kernels/avx2/../reduce_tmpl.h \
  lib/kernels/avx2/../kernels.h

lib/kernels/avx2/simd.h:

lib/kernels/avx2/../reduce_tmpl.h:

lib/kernels/avx2/../kernels.h:
