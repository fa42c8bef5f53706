build-fz/obj/lib/kernels/scalar/reduce.o: lib/kernels/scalar/reduce.c \
  lib/kernels/scalar/../kernels.h

lib/kernels/scalar/../kernels.h:
