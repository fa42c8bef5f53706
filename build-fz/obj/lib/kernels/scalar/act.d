build-fz/obj/lib/kernels/scalar/act.o: lib/kernels/scalar/act.c \
  lib/kernels/scalar/../kernels.h

lib/kernels/scalar/../kernels.h:
