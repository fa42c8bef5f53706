build-fz/obj/lib/train/trainer.o: lib/train/trainer.c \
  lib/train/trainer_impl.h lib/train/../core/common.h include/descent.h \
  lib/train/../core/rng.h lib/train/../core/settings.h \
  lib/train/../optim/optimizer_impl.h \
  lib/train/../optim/../core/common.h \
  lib/train/../optim/../core/settings.h \
  lib/train/../optim/../kernels/kernels.h

lib/train/trainer_impl.h:

lib/train/../core/common.h:

include/descent.h:

lib/train/../core/rng.h:

lib/train/../core/settings.h:

lib/train/../optim/optimizer_impl.h:

lib/train/../optim/../core/common.h:

lib/train/../optim/../core/settings.h:

lib/train/../optim/../kernels/kernels.h:
