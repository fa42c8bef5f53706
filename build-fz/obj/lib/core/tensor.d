build-fz/obj/lib/core/tensor.o: lib/core/tensor.c lib/core/common.h \
  include/descent.h lib/core/rng.h lib/core/tensor_impl.h \
  lib/core/../core/common.h

lib/core/common.h:

include/descent.h:

lib/core/rng.h:

lib/core/tensor_impl.h:

lib/core/../core/common.h:
