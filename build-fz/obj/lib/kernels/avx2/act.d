build-fz/obj/lib/kernels/avx2/act.o: lib/kernels/avx2/act.c \
  lib/kernels/avx2/simd.h lib/kernels/avx2/../act_tmpl.h \
  lib/kernels/avx2/../kernels.h lib/kernels/avx2/../vmath.h

lib/kernels/avx2/simd.h:

lib/kernels/avx2/../act_tmpl.h:

lib/kernels/avx2/../kernels.h:

lib/kernels/avx2/../vmath.h:
