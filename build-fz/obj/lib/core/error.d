build-fz/obj/lib/core/error.o: lib/core/error.c lib/core/common.h \
  include/descent.h

lib/core/common.h:

include/descent.h:
