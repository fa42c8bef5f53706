build-fz/obj/lib/sched/inverse_time.o: lib/sched/inverse_time.c \
  lib/sched/sched_impl.h lib/sched/../core/common.h include/descent.h \
  lib/sched/../core/settings.h

lib/sched/sched_impl.h:

lib/sched/../core/common.h:

include/descent.h:

lib/sched/../core/settings.h:
