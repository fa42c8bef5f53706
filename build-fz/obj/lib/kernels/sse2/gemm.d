build-fz/obj/lib/kernels/sse2/gemm.o: lib/kernels/sse2/gemm.c \
  lib/kernels/sse2/simd.h lib/kernels/sse2/../gemm_tmpl.h \
  lib/kernels/sse2/../kernels.h

lib/kernels/sse2/simd.h:

lib/kernels/sse2/../gemm_tmpl.h:

lib/kernels/sse2/../kernels.h:
