build-fz/obj/lib/nn/mse.o: lib/nn/mse.c lib/nn/loss_impl.h \
  lib/nn/../core/common.h include/descent.h lib/nn/../core/settings.h \
  lib/nn/../kernels/kernels.h

lib/nn/loss_impl.h:

lib/nn/../core/common.h:

include/descent.h:

lib/nn/../core/settings.h:

lib/nn/../kernels/kernels.h:
