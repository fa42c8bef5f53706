build-fz/obj/lib/optim/model_group.o: lib/optim/model_group.c \
  lib/optim/optimizer_impl.h lib/optim/../core/common.h \
  include/descent.h lib/optim/../core/settings.h \
  lib/optim/../kernels/kernels.h lib/optim/../nn/model_impl.h \
  lib/optim/../nn/layer_impl.h lib/optim/../nn/../core/common.h \
  lib/optim/../nn/../core/rng.h lib/optim/../nn/../kernels/kernels.h

lib/optim/optimizer_impl.h:

lib/optim/../core/common.h:

include/descent.h:

lib/optim/../core/settings.h:

lib/optim/../kernels/kernels.h:

lib/optim/../nn/model_impl.h:

lib/optim/../nn/layer_impl.h:

lib/optim/../nn/../core/common.h:

lib/optim/../nn/../core/rng.h:

lib/optim/../nn/../kernels/kernels.h:
