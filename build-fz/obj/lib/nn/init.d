build-fz/obj/lib/nn/init.o: lib/nn/init.c lib/nn/init_impl.h \
  lib/nn/layer_impl.h lib/nn/../core/common.h include/descent.h \
  lib/nn/../core/rng.h lib/nn/../kernels/kernels.h

lib/nn/init_impl.h:

lib/nn/layer_impl.h:

lib/nn/../core/common.h:

include/descent.h:

lib/nn/../core/rng.h:

lib/nn/../kernels/kernels.h:
