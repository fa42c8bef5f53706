build-fz/obj/lib/optim/optimizer.o: lib/optim/optimizer.c \
  lib/optim/optimizer_impl.h lib/optim/../core/common.h \
  include/descent.h lib/optim/../core/settings.h \
  lib/optim/../kernels/kernels.h lib/optim/../kernels/fpenv.h

lib/optim/optimizer_impl.h:

lib/optim/../core/common.h:

include/descent.h:

lib/optim/../core/settings.h:

lib/optim/../kernels/kernels.h:

lib/optim/../kernels/fpenv.h:
