build-fz/obj/lib/kernels/sse2/init.o: lib/kernels/sse2/init.c \
  lib/kernels/sse2/../kernels.h

lib/kernels/sse2/../kernels.h:
