build-fz/obj/lib/io/checkpoint.o: lib/io/checkpoint.c lib/io/io_impl.h \
  lib/io/json.h lib/io/../core/common.h include/descent.h \
  /usr/include/cjson/cJSON.h lib/io/safetensors.h \
  lib/io/../nn/model_impl.h lib/io/../nn/layer_impl.h \
  lib/io/../nn/../core/common.h lib/io/../nn/../core/rng.h \
  lib/io/../nn/../kernels/kernels.h lib/io/../core/rng.h \
  lib/io/../core/settings.h lib/io/../optim/optimizer_impl.h \
  lib/io/../optim/../core/common.h lib/io/../optim/../core/settings.h \
  lib/io/../optim/../kernels/kernels.h lib/io/../sched/sched_impl.h \
  lib/io/../sched/../core/common.h lib/io/../sched/../core/settings.h \
  lib/io/../train/trainer_impl.h lib/io/../train/../core/common.h \
  lib/io/../train/../core/rng.h

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

lib/io/../core/rng.h:

lib/io/../core/settings.h:

lib/io/../optim/optimizer_impl.h:

lib/io/../optim/../core/common.h:

lib/io/../optim/../core/settings.h:

lib/io/../optim/../kernels/kernels.h:

lib/io/../sched/sched_impl.h:

lib/io/../sched/../core/common.h:

lib/io/../sched/../core/settings.h:

lib/io/../train/trainer_impl.h:

lib/io/../train/../core/common.h:

lib/io/../train/../core/rng.h:
