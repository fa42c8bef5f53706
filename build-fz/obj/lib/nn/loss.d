build-fz/obj/lib/nn/loss.o: lib/nn/loss.c lib/nn/loss_impl.h \
  lib/nn/../core/common.h include/descent.h lib/nn/../core/settings.h \
  lib/nn/../kernels/kernels.h lib/nn/../kernels/fpenv.h

lib/nn/loss_impl.h:

lib/nn/../core/common.h:

include/descent.h:

lib/nn/../core/settings.h:

lib/nn/../kernels/kernels.h:

lib/nn/../kernels/fpenv.h:
