build-fz/obj/lib/io/model_io.o: lib/io/model_io.c lib/io/io_impl.h \
  lib/io/json.h lib/io/../core/common.h include/descent.h \
  /usr/include/cjson/cJSON.h lib/io/safetensors.h \
  lib/io/../nn/model_impl.h lib/io/../nn/layer_impl.h \
  lib/io/../nn/../core/common.h lib/io/../nn/../core/rng.h \
  lib/io/../nn/../kernels/kernels.h lib/io/io.h

lib/io/io_impl.h:

lib/io/json.h:

lib/io/../core/common.h:

include/descent.h:

/usr/include/cjson/cJSON.h:

lib/io/safetensors.h:

lib/io/../nn/model_impl.h:

lib/io/../nn/layer_impl.h:

lib/io/../nn/../core/common.h:

lib/io/../nn/../core/rng.h:

lib/io/../nn/../kernels/kernels.h:

lib/io/io.h:
