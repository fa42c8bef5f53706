build-fz/obj/lib/train/lr_finder.o: lib/train/lr_finder.c \
  lib/train/trainer_impl.h lib/train/../core/common.h include/descent.h \
  lib/train/../core/rng.h

lib/train/trainer_impl.h:

lib/train/../core/common.h:

include/descent.h:

lib/train/../core/rng.h:
