build-fz/obj/lib/io/json.o: lib/io/json.c lib/io/json.h \
  lib/io/../core/common.h include/descent.h /usr/include/cjson/cJSON.h

lib/io/json.h:

lib/io/../core/common.h:

include/descent.h:

/usr/include/cjson/cJSON.h:
