build-fz/obj/lib/sched/warm_restarts.o: lib/sched/warm_restarts.c \
  lib/sched/sched_impl.h lib/sched/../core/common.h include/descent.h \
  lib/sched/../core/settings.h

lib/sched/sched_impl.h:

lib/sched/../core/common.h:

include/descent.h:

lib/sched/../core/settings.h:
