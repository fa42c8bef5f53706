build-fz/obj/lib/kernels/scalar/gemm.o: lib/kernels/scalar/gemm.c \
  lib/kernels/scalar/../kernels.h

lib/kernels/scalar/../kernels.h:
