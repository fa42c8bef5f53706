build-fz/obj/lib/sched/state.o: lib/sched/state.c lib/sched/sched_impl.h \
  lib/sched/../core/common.h include/descent.h \
  lib/sched/../core/settings.h

lib/sched/sched_impl.h:

lib/sched/../core/common.h:

include/descent.h:

lib/sched/../core/settings.h:
