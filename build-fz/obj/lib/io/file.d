build-fz/obj/lib/io/file.o: lib/io/file.c lib/io/io.h \
  lib/io/../core/common.h include/descent.h

lib/io/io.h:

lib/io/../core/common.h:

include/descent.h:
