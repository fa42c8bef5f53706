build-fz/obj/lib/train/search.o: lib/train/search.c \
  lib/train/trainer_impl.h lib/train/../core/common.h include/descent.h \
  lib/train/../core/rng.h lib/train/../core/settings.h

lib/train/trainer_impl.h:

lib/train/../core/common.h:

include/descent.h:

lib/train/../core/rng.h:

lib/train/../core/settings.h:
