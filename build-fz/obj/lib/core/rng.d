build-fz/obj/lib/core/rng.o: lib/core/rng.c lib/core/rng.h

lib/core/rng.h:
