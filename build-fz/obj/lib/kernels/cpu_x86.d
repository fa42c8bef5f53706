build-fz/obj/lib/kernels/cpu_x86.o: lib/kernels/cpu_x86.c \
  lib/kernels/kernels.h

lib/kernels/kernels.h:
