build-fz/obj/lib/sched/linear.o: lib/sched/linear.c \
  lib/sched/sched_impl.h lib/sched/../core/common.h include/descent.h \
  lib/sched/../core/settings.h

lib/sched/sched_impl.h:

lib/sched/../core/common.h:

include/descent.h:

lib/sched/../core/settings.h:
