build-fz/obj/lib/nn/model.o: lib/nn/model.c lib/nn/model_impl.h \
  lib/nn/layer_impl.h lib/nn/../core/common.h include/descent.h \
  lib/nn/../core/rng.h lib/nn/../kernels/kernels.h lib/nn/init_impl.h \
  lib/nn/../kernels/fpenv.h

lib/nn/model_impl.h:

lib/nn/layer_impl.h:

lib/nn/../core/common.h:

include/descent.h:

lib/nn/../core/rng.h:

lib/nn/../kernels/kernels.h:

lib/nn/init_impl.h:

lib/nn/../kernels/fpenv.h:
