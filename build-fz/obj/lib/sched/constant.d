build-fz/obj/lib/sched/constant.o: lib/sched/constant.c \
  lib/sched/sched_impl.h lib/sched/../core/common.h include/descent.h \
  lib/sched/../core/settings.h

lib/sched/sched_impl.h:

lib/sched/../core/common.h:

include/descent.h:

lib/sched/../core/settings.h:
