build-fz/obj/lib/kernels/avx512/update.o: lib/kernels/avx512/update.c \
  lib/kernels/avx512/../update_tmpl.h lib/kernels/avx512/../kernels.h

lib/kernels/avx512/../update_tmpl.h:

lib/kernels/avx512/../kernels.h:
