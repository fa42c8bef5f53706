build-fz/obj/lib/kernels/sse2/update.o: lib/kernels/sse2/update.c \
  lib/kernels/sse2/../update_tmpl.h lib/kernels/sse2/../kernels.h

lib/kernels/sse2/../update_tmpl.h:

lib/kernels/sse2/../kernels.h:
