build-fz/obj/lib/kernels/avx2/gemm.o: lib/kernels/avx2/gemm.c \
  lib/kernels/avx2/../avx_pack.h lib/kernels/avx2/simd.h \
  lib/kernels/avx2/../gemm_tmpl.h lib/kernels/avx2/../kernels.h

lib/kernels/avx2/../avx_pack.h:

lib/kernels/avx2/simd.h:

lib/kernels/avx2/../gemm_tmpl.h:

lib/kernels/avx2/../kernels.h:
