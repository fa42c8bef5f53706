build-fz/obj/lib/kernels/avx512/gemm.o: lib/kernels/avx512/gemm.c \
  lib/kernels/avx512/../avx_pack.h lib/kernels/avx512/simd.h \
  lib/kernels/avx512/../gemm_tmpl.h lib/kernels/avx512/../kernels.h

lib/kernels/avx512/../avx_pack.h:

lib/kernels/avx512/simd.h:

lib/kernels/avx512/../gemm_tmpl.h:

lib/kernels/avx512/../kernels.h:
