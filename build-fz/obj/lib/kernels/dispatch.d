build-fz/obj/lib/kernels/dispatch.o: lib/kernels/dispatch.c \
  lib/kernels/kernels.h lib/kernels/../core/common.h include/descent.h

lib/kernels/kernels.h:

lib/kernels/../core/common.h:

include/descent.h:
