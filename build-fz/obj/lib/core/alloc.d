build-fz/obj/lib/core/alloc.o: lib/core/alloc.c lib/core/common.h \
  include/descent.h

lib/core/common.h:

include/descent.h:
