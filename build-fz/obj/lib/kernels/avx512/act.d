build-fz/obj/lib/kernels/avx512/act.o: lib/kernels/avx512/act.c \
  lib/kernels/avx512/simd.h lib/kernels/avx512/../act_tmpl.h \
  lib/kernels/avx512/../kernels.h lib/kernels/avx512/../vmath.h

lib/kernels/avx512/simd.h:

lib/kernels/avx512/../act_tmpl.h:

lib/kernels/avx512/../kernels.h:

lib/kernels/avx512/../vmath.h:
