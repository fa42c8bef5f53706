build-fz/obj/lib/train/idx.o: lib/train/idx.c lib/train/../core/common.h \
  include/descent.h lib/train/dataset_impl.h

lib/train/../core/common.h:

include/descent.h:

lib/train/dataset_impl.h:
