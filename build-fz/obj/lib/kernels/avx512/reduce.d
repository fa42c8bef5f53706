build-fz/obj/lib/kernels/avx512/reduce.o: lib/kernels/avx512/reduce.c \
  lib/kernels/avx512/simd.h lib/kernels/avx512/../reduce_tmpl.h \
  lib/kernels/avx512/../kernels.h

lib/kernels/avx512/simd.h:

lib/kernels/avx512/../reduce_tmpl.h:

lib/kernels/avx512/../kernels.h:
