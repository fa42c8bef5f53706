build-fz/obj/lib/kernels/avx2/init.o: lib/kernels/avx2/init.c \
  lib/kernels/avx2/../kernels.h

lib/kernels/avx2/../kernels.h:
