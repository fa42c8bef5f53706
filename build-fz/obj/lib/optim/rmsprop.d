build-fz/obj/lib/optim/rmsprop.o: lib/optim/rmsprop.c \
  lib/optim/optimizer_impl.h lib/optim/../core/common.h \
  include/descent.h lib/optim/../core/settings.h \
  lib/optim/../kernels/kernels.h

lib/optim/optimizer_impl.h:

lib/optim/../core/common.h:

include/descent.h:

lib/optim/../core/settings.h:

lib/optim/../kernels/kernels.h:
