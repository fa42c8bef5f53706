build-fz/obj/lib/kernels/avx2/update.o: lib/kernels/avx2/update.c \
  lib/kernels/avx2/../update_tmpl.h lib/kernels/avx2/../kernels.h

lib/kernels/avx2/../update_tmpl.h:

lib/kernels/avx2/../kernels.h:
