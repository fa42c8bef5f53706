build-fz/obj/lib/io/safetensors.o: lib/io/safetensors.c \
  lib/io/safetensors.h lib/io/../core/common.h include/descent.h \
  lib/io/io.h /usr/include/cjson/cJSON.h

lib/io/safetensors.h:

lib/io/../core/common.h:

include/descent.h:

lib/io/io.h:

/usr/include/cjson/cJSON.h:
