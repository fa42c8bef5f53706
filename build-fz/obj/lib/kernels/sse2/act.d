build-fz/obj/lib/kernels/sse2/act.o: lib/kernels/sse2/act.c \
  lib/kernels/sse2/simd.h lib/kernels/sse2/../act_tmpl.h \
  lib/kernels/sse2/../kernels.h lib/kernels/sse2/../vmath.h

lib/kernels/sse2/simd.h:

lib/kernels/sse2/../act_tmpl.h:

lib/kernels/sse2/../kernels.h:

lib/kernels/sse2/../vmath.h:
