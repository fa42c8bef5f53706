build-fz/obj/lib/nn/huber.o: lib/nn/huber.c lib/nn/loss_impl.h \
  lib/nn/../core/common.h include/descent.h lib/nn/../core/settings.h \
  lib/nn/../kernels/kernels.h

lib/nn/loss_impl.h:

lib/nn/../core/common.h:

include/descent.h:

lib/nn/../core/settings.h:

lib/nn/../kernels/kernels.h:
