build-fz/obj/lib/kernels/cpu_arm.o: lib/kernels/cpu_arm.c \
  lib/kernels/kernels.h

lib/kernels/kernels.h:
