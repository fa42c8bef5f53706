build-fz/obj/lib/train/dataset.o: lib/train/dataset.c \
  lib/train/../core/common.h include/descent.h lib/train/../core/rng.h \
  lib/train/dataset_impl.h

lib/train/../core/common.h:

include/descent.h:

lib/train/../core/rng.h:

lib/train/dataset_impl.h:
