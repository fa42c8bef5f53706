build-fz/obj/lib/nn/layer.o: lib/nn/layer.c lib/nn/model_impl.h \
  lib/nn/layer_impl.h lib/nn/../core/common.h include/descent.h \
  lib/nn/../core/rng.h lib/nn/../kernels/kernels.h

lib/nn/model_impl.h:

lib/nn/layer_impl.h:

lib/nn/../core/common.h:

include/descent.h:

lib/nn/../core/rng.h:

lib/nn/../kernels/kernels.h:
