build-fz/obj/lib/core/version.o: lib/core/version.c lib/core/common.h \
  include/descent.h

lib/core/common.h:

include/descent.h:
