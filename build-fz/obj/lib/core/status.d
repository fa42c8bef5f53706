build-fz/obj/lib/core/status.o: lib/core/status.c lib/core/common.h \
  include/descent.h

lib/core/common.h:

include/descent.h:
