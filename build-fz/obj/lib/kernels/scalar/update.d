build-fz/obj/lib/kernels/scalar/update.o: lib/kernels/scalar/update.c \
  lib/kernels/scalar/../update_tmpl.h lib/kernels/scalar/../kernels.h

lib/kernels/scalar/../update_tmpl.h:

lib/kernels/scalar/../kernels.h:
