build-fz/obj/lib/core/settings.o: lib/core/settings.c lib/core/settings.h \
  lib/core/common.h include/descent.h

lib/core/settings.h:

lib/core/common.h:

include/descent.h:
