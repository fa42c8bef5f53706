build-fz/obj/lib/optim/sgd.o: lib/optim/sgd.c lib/optim/optimizer_impl.h \
  lib/optim/../core/common.h include/descent.h \
  lib/optim/../core/settings.h lib/optim/../kernels/kernels.h

lib/optim/optimizer_impl.h:

lib/optim/../core/common.h:

include/descent.h:

lib/optim/../core/settings.h:

lib/optim/../kernels/kernels.h:
