build-fz/obj/lib/kernels/avx512/init.o: lib/kernels/avx512/init.c \
  lib/kernels/avx512/../kernels.h

lib/kernels/avx512/../kernels.h:
