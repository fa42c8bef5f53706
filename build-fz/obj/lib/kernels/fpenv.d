build-fz/obj/lib/kernels/fpenv.o: lib/kernels/fpenv.c lib/kernels/fpenv.h \
  lib/kernels/../core/common.h include/descent.h

lib/kernels/fpenv.h:

lib/kernels/../core/common.h:

include/descent.h:
