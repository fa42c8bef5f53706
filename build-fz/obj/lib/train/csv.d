build-fz/obj/lib/train/csv.o: lib/train/csv.c lib/train/../core/common.h \
  include/descent.h lib/train/dataset_impl.h

lib/train/../core/common.h:

include/descent.h:

lib/train/dataset_impl.h:
