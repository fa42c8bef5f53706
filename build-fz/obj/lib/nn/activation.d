build-fz/obj/lib/nn/activation.o: lib/nn/activation.c lib/nn/layer_impl.h \
  lib/nn/../core/common.h include/descent.h lib/nn/../core/rng.h \
  lib/nn/../kernels/kernels.h

lib/nn/layer_impl.h:

lib/nn/../core/common.h:

include/descent.h:

lib/nn/../core/rng.h:

lib/nn/../kernels/kernels.h:
