build-fz/obj/lib/kernels/scalar/init.o: lib/kernels/scalar/init.c \
  lib/kernels/scalar/../kernels.h

lib/kernels/scalar/../kernels.h:
