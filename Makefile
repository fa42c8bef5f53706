# descent — GNU make build. meson.build builds the same sources with the same flags.
#   make              library (shared + static), descent-conform, examples
#   make check        install what the tests need (tools/install-deps.sh), build, run every test
#                     (check-neon included)
#   make check-neon   the kernel tests cross-built for AArch64, run under qemu-aarch64
#   make check-tsan   the threaded tests under ThreadSanitizer
#   make fuzz         FUZZ_SECONDS=N: each libFuzzer target (tests/fuzz) for N seconds, clang + ASan + UBSan
#   make demo         the learning-rate experiments (examples/lr_experiments.c) into build/demo/
#   make install      PREFIX=/usr/local DESTDIR= : header, libraries, descent.pc
#   make docs         Doxygen, warnings as errors
#   make bench        benchmarks (bench/)

VERSION := $(shell sed -n 's/^\#define DESCENT_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' include/descent.h | paste -sd.)
MAJOR   := $(word 1,$(subst ., ,$(VERSION)))

CC      ?= cc
CXX     ?= c++
AR      ?= ar
PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
B       ?= build
ARCH    := $(shell $(CC) -dumpmachine | cut -d- -f1)

CFLAGS  ?= -O2 -g
# Flags every build of descent uses, whatever CFLAGS the user gives.
# -fno-math-errno lets sqrtf vectorise; -ffp-contract=off keeps the scalar
# reference identical across compilers and architectures. DSC_WARN is shared
# with meson.build (common_args): keep the two in step. -Wnull-dereference is left out:
# its findings change with the optimisation level and inlining.
DSC_WARN   := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wconversion \
              -Wcast-qual -Wformat=2 -Wundef -Wpointer-arith -Wvla -Wwrite-strings
DSC_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude -fPIC -fvisibility=hidden \
              -fno-math-errno -ffp-contract=off $(DSC_WARN) -Werror -pthread
# cJSON (Debian libcjson-dev) parses and writes the JSON header of safetensors files (lib/io).
CJSON_CFLAGS := $(shell pkg-config --cflags libcjson 2>/dev/null)
CJSON_LIBS   := $(or $(shell pkg-config --libs libcjson 2>/dev/null),-lcjson)
DSC_CFLAGS += $(CJSON_CFLAGS)
LDLIBS  := -lm -lpthread -lz $(CJSON_LIBS)

ISA_DIRS_x86_64  := scalar sse2 avx2 avx512
ISA_DIRS_aarch64 := scalar neon
ISA_DIRS := $(or $(ISA_DIRS_$(ARCH)),scalar)

LIB_SRC := $(wildcard lib/core/*.c lib/kernels/*.c lib/nn/*.c lib/optim/*.c lib/sched/*.c \
                      lib/train/*.c lib/io/*.c) \
           $(foreach d,$(ISA_DIRS),$(wildcard lib/kernels/$(d)/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)

# Per-ISA compile flags (pattern-specific variables).
$(B)/obj/lib/kernels/sse2/%.o:   ISA_FLAGS := -msse2
$(B)/obj/lib/kernels/avx2/%.o:   ISA_FLAGS := -mavx2 -mfma
$(B)/obj/lib/kernels/avx512/%.o: ISA_FLAGS := -mavx512f -mavx512cd -mavx512bw -mavx512dq -mavx512vl -mavx2 -mfma

SO_REAL := $(B)/libdescent.so.$(VERSION)
SO_NAME := libdescent.so.$(MAJOR)
STATIC  := $(B)/libdescent.a

CONFORM_SRC := $(wildcard tests/conform/*.c)
EXAMPLES    := $(patsubst examples/%.c,$(B)/examples/%,$(filter-out examples/data_parallel_mpi.c,$(wildcard examples/*.c))) \
               $(patsubst examples/%.cpp,$(B)/examples/%,$(wildcard examples/*.cpp))
TESTS       := $(patsubst tests/%.c,$(B)/tests/%,$(wildcard tests/test_*.c))
TEST_HARNESS := tests/harness.c
# Fuzz targets: every tests/fuzz/fuzz_<name>.c, with its seed corpus in
# tests/fuzz/corpus/<name>/. `make check` builds each with the project's
# compiler and tests/fuzz/replay.c and replays its corpus (tests/run.sh).
FUZZ_SRC    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))
FUZZ_HDR    := $(wildcard tests/fuzz/*.h)

.PHONY: all lib check check-neon check-asan check-valgrind check-tsan check-abi abi-baseline demo \
        install uninstall docs bench clean deps-check test-run fuzz fuzz-build fuzz-coverage
all: lib $(B)/descent-conform $(EXAMPLES)
lib: $(SO_REAL) $(STATIC)

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(DSC_CFLAGS) $(ISA_FLAGS) $(CFLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@

$(SO_REAL): $(LIB_OBJ) lib/descent.map
	$(CC) -shared $(CFLAGS) $(LDFLAGS) -Wl,-soname,$(SO_NAME) -Wl,--version-script=lib/descent.map \
	    -Wl,--no-undefined -o $@ $(LIB_OBJ) $(LDLIBS)
	ln -sf libdescent.so.$(VERSION) $(B)/$(SO_NAME)
	ln -sf $(SO_NAME) $(B)/libdescent.so

$(STATIC): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

# The conformance runner and the examples use the public API of the shared library only.
$(B)/descent-conform: $(CONFORM_SRC) $(wildcard tests/conform/*.h) $(SO_REAL)
	$(CC) $(DSC_CFLAGS) $(CFLAGS) -o $@ $(CONFORM_SRC) -L$(B) -ldescent -Wl,-rpath,'$$ORIGIN' $(LDLIBS)

$(B)/examples/%: examples/%.c $(wildcard examples/*.h) $(SO_REAL)
	@mkdir -p $(@D)
	$(CC) $(DSC_CFLAGS) $(CFLAGS) -o $@ $< -L$(B) -ldescent -Wl,-rpath,'$$ORIGIN/..' $(LDLIBS)

# C++ examples use include/descent.hpp (C++17) over the same shared library.
$(B)/examples/%: examples/%.cpp include/descent.hpp $(SO_REAL)
	@mkdir -p $(@D)
	$(CXX) -std=c++17 -Iinclude -Wall -Wextra -pedantic -Werror $(CXXFLAGS) $(CFLAGS) -o $@ $< \
	    -L$(B) -ldescent -Wl,-rpath,'$$ORIGIN/..'

# The MPI example is built with mpicc, only when it is found (OpenMPI: tools/install-deps.sh
# check); the library itself never links MPI. tests/check_mpi.sh runs it with mpirun -np 2.
MPICC ?= $(shell command -v mpicc 2>/dev/null)
ifneq ($(MPICC),)
all: $(B)/examples/data_parallel_mpi
$(B)/examples/data_parallel_mpi: examples/data_parallel_mpi.c $(SO_REAL)
	@mkdir -p $(@D)
	OMPI_CC="$(CC)" $(MPICC) $(DSC_CFLAGS) $(CFLAGS) -o $@ $< -L$(B) -ldescent -Wl,-rpath,'$$ORIGIN/..' $(LDLIBS)
endif

# Tests link the static library so they can reach internal (hidden) functions.
$(B)/tests/%: tests/%.c $(TEST_HARNESS) tests/harness.h $(STATIC)
	@mkdir -p $(@D)
	$(CC) $(DSC_CFLAGS) -Ilib -Itests $(CFLAGS) -DDSC_SOURCE_DIR='"$(CURDIR)"' -o $@ $< $(TEST_HARNESS) \
	    $(STATIC) -lcmocka $(LDLIBS)

# A fuzz target with the replay driver instead of libFuzzer; static library, as the tests.
$(B)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(FUZZ_HDR) $(STATIC)
	@mkdir -p $(@D)
	$(CC) $(DSC_CFLAGS) -Ilib -Itests/fuzz $(CFLAGS) -DDSC_FUZZ_REPLAY -o $@ $< tests/fuzz/replay.c \
	    $(STATIC) $(LDLIBS)

# Benchmarks: each bench/bench_*.c is one program, linked statically with the
# library (to reach internal kernels) and with OpenBLAS for the baselines.
BENCHES := $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/bench_*.c))
$(B)/bench/%: bench/%.c $(wildcard bench/*.h) $(STATIC)
	@mkdir -p $(@D)
	$(CC) $(DSC_CFLAGS) -Ilib -Ibench $(CFLAGS) -o $@ $< $(STATIC) -lopenblas $(BENCH_LIBS) $(LDLIBS)
# bench_train also runs FANN's fann_train (Debian libfann-dev) as a baseline.
$(B)/bench/bench_train: BENCH_LIBS := -lfann

bench:
	@tools/install-deps.sh bench
	$(MAKE) $(BENCHES)
	@for b in $(BENCHES); do echo "== $$b"; $$b || exit 1; done

deps-check:
	@tools/install-deps.sh check

check: deps-check
	$(MAKE) all $(TESTS) $(FUZZ_REPLAY)
	$(MAKE) check-neon
	@B=$(B) CC="$(CC)" CXX="$(CXX)" FUZZ="$(FUZZ_REPLAY)" tests/run.sh $(TESTS)

# ---- NEON under qemu: the kernel tests (tests/test_kernels*.c, plus the
# fpenv and dispatch tests, which run once more on the scalar set, and
# test_checkpoint_xarch, which reads the x86-64 files of tests/data; then
# tests/check_xarch.sh exchanges files between the two builds) and the
# library for AArch64 with Debian's cross compiler, run under qemu-aarch64.
# CMocka for arm64 comes from multiarch (tools/install-deps.sh); its header
# is arch-independent and is reached through a directory holding only it, so
# no host header leaks in.
XB          := $(B)/aarch64
XCC         ?= aarch64-linux-gnu-gcc
XAR         ?= aarch64-linux-gnu-ar
XSYSROOT    := /usr/aarch64-linux-gnu
XCMOCKA     := /usr/lib/aarch64-linux-gnu/libcmocka.so
XLIB_SRC    := $(wildcard lib/core/*.c lib/kernels/*.c lib/nn/*.c lib/optim/*.c lib/sched/*.c \
                          lib/train/*.c lib/io/*.c lib/kernels/scalar/*.c lib/kernels/neon/*.c)
XLIB_OBJ    := $(XLIB_SRC:%.c=$(XB)/obj/%.o)
XTESTS      := $(patsubst tests/%.c,$(XB)/tests/%,$(wildcard tests/test_kernels*.c) \
                   tests/test_fpenv.c tests/test_isa.c tests/test_checkpoint_xarch.c \
                   tests/test_noise.c tests/test_gradcheck.c)
# Tests that reach lib/io link arm64 cJSON and zlib, from multiarch as CMocka
# (libcjson-dev:arm64, zlib1g-dev:arm64; cJSON's header is arch-independent).
XIO_LIBS    := /usr/lib/aarch64-linux-gnu/libcjson.so /usr/lib/aarch64-linux-gnu/libz.so
$(XB)/tests/test_checkpoint_xarch: XTEST_LIBS := $(XIO_LIBS)
$(XB)/tests/test_checkpoint_xarch $(B)/tests/test_checkpoint_xarch: tests/data/xarch_expected.h

$(XB)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(XCC) $(DSC_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(XB)/libdescent.a: $(XLIB_OBJ)
	@rm -f $@
	$(XAR) rcs $@ $(XLIB_OBJ)

$(XB)/include/cmocka.h:
	@mkdir -p $(@D)
	ln -sf /usr/include/cmocka.h $@

$(XB)/tests/%: tests/%.c $(TEST_HARNESS) tests/harness.h $(XB)/libdescent.a $(XB)/include/cmocka.h
	@mkdir -p $(@D)
	$(XCC) $(DSC_CFLAGS) -Ilib -Itests -I$(XB)/include $(CFLAGS) -DDSC_SOURCE_DIR='"$(CURDIR)"' \
	    -o $@ $< $(TEST_HARNESS) $(XB)/libdescent.a $(XCMOCKA) $(XTEST_LIBS) \
	    -Wl,-rpath,/usr/lib/aarch64-linux-gnu -lm -lpthread # kernel tests need no zlib or cJSON

ifeq ($(ARCH),aarch64)
check-neon:
	@echo "check-neon: native AArch64 host; make check runs the NEON kernels directly"
else
check-neon: deps-check
	$(MAKE) $(XTESTS)
	@fail=0; for t in $(XTESTS); do \
	    if qemu-aarch64 -L $(XSYSROOT) $$t > $$t.log 2>&1; then echo "PASS $$t [qemu-aarch64]"; \
	    else cat $$t.log; echo "FAIL $$t [qemu-aarch64]"; fail=1; fi; \
	done; \
	for t in test_isa test_fpenv; do \
	    if DESCENT_ISA=scalar qemu-aarch64 -L $(XSYSROOT) $(XB)/tests/$$t > $(XB)/tests/$$t.scalar.log 2>&1; \
	    then echo "PASS $(XB)/tests/$$t [qemu-aarch64, DESCENT_ISA=scalar]"; \
	    else cat $(XB)/tests/$$t.scalar.log; echo "FAIL $(XB)/tests/$$t [qemu-aarch64, DESCENT_ISA=scalar]"; fail=1; fi; \
	done; \
	grep -h 'max.*error' $(XB)/tests/test_kernels.log | sed 's/^/  /'; \
	exit $$fail
endif

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer, in their own build directory.
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
check-asan: deps-check
	$(MAKE) B=build-asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" all $(TESTS:$(B)/%=build-asan/%) \
	    $(FUZZ_REPLAY:$(B)/%=build-asan/%)
	@B=build-asan CHECKS="$(SAN_CHECKS)" FUZZ="$(FUZZ_REPLAY:$(B)/%=build-asan/%)" ASAN_OPTIONS=detect_leaks=1 \
	    tests/run.sh $(TESTS:$(B)/%=build-asan/%)

# ThreadSanitizer: the library and the tests that start threads (TSAN_TESTS; test_isa for
# the dispatch's pthread_once and the fallback run of tests/run.sh), once per kernel set.
TSAN_FLAGS := -O1 -g -fsanitize=thread -fno-omit-frame-pointer
TSAN_TESTS := test_threads test_parallel test_status test_isa
check-tsan: deps-check
	$(MAKE) B=build-tsan CFLAGS="$(TSAN_FLAGS)" LDFLAGS="$(TSAN_FLAGS)" build-tsan/examples/version \
	    $(TSAN_TESTS:%=build-tsan/tests/%)
	@B=build-tsan CHECKS="" TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	    tests/run.sh $(TSAN_TESTS:%=build-tsan/tests/%)

# The same tests under valgrind (no leaks, no invalid accesses). valgrind 3.19 does not
# emulate AVX-512, so the CPU it presents makes dispatch choose AVX2 at most.
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --show-leak-kinds=definite,indirect,possible
# The CMocka tests and the fuzz corpora, on the AVX2 kernel set (vector main
# loops and tails; ASan+UBSan runs every set, scalar included); the shell checks (conformance,
# examples) run under ASan+UBSan, where they take minutes, not tens.
# test_parallel stays out too: valgrind runs one thread at a time, so its
# pools (several thread counts, a 200-512-128-10 model) take many minutes
# there; ThreadSanitizer and ASan run it.
VG_TESTS := $(filter-out $(B)/tests/test_parallel,$(TESTS))
check-valgrind: deps-check all $(TESTS) $(FUZZ_REPLAY)
	@ISAS="avx2" RUNNER="$(VALGRIND)" CHECKS="" FUZZ="$(FUZZ_REPLAY)" tests/run.sh $(VG_TESTS)

# The stable ABI against abi/libdescent.so.MAJOR.abi (libabigail; .ci/run runs it).
# abi-baseline records the built library as the new baseline: only on purpose (docs/abi.md).
check-abi: lib
	@tools/install-deps.sh abi
	@B=$(B) CC="$(CC)" LDLIBS="$(LDLIBS)" CFLAGS_ALL="$(DSC_CFLAGS) $(CFLAGS) -Wno-error" tests/abi_diff.sh

abi-baseline: lib
	@tools/install-deps.sh abi
	abidw --exported-interfaces-only --no-corpus-path --no-comp-dir-path --out-file abi/libdescent.so.$(MAJOR).abi $(SO_REAL)

# Shell checks that also make sense under ASan+UBSan (they run build products;
# check_cxx compiles its own programs against the library, uninstrumented;
# the Python binding is not: the interpreter is not instrumented; check_xarch needs the
# AArch64 build of check-neon; check_mpi: OpenMPI is not instrumented).
SAN_CHECKS = $(filter-out tests/check_python.sh tests/check_header.sh tests/check_cxx.sh tests/check_install.sh tests/check_meson_sources.sh tests/check_symbols.sh tests/check_qemu_x86.sh tests/check_xarch.sh tests/check_mpi.sh,$(wildcard tests/check_*.sh))

# ---- Fuzzing with libFuzzer: Debian's clang (tools/install-deps.sh fuzz). The library and
# each target are built with -fsanitize=fuzzer,address,undefined in $(FUZZ_B); each target
# runs FUZZ_SECONDS over its own working corpus, $(FUZZ_B)/corpus/<name> (the checked-in
# seeds are copied there first; what libFuzzer adds stays there, out of the tree). Crashes
# go to $(FUZZ_B)/crashes/<name>/, logs to $(FUZZ_B)/logs/<name>.log. FUZZ_TARGETS
# picks targets by name (default: all); make -j2 fuzz runs two at a time.
FUZZ_SECONDS ?= 60
FUZZ_B       ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRC))
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_ARGS    ?=

$(FUZZ_B)/bin/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_HDR) $(FUZZ_B)/libdescent.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(DSC_CFLAGS) -Ilib -Itests/fuzz -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_B)/libdescent.a $(LDLIBS)

fuzz-build:
	@tools/install-deps.sh fuzz
	$(MAKE) B=$(FUZZ_B) CC=$(FUZZ_CC) CFLAGS="-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link" $(FUZZ_B)/libdescent.a
	$(MAKE) $(FUZZ_TARGETS:%=$(FUZZ_B)/bin/fuzz_%)

fuzz-run-%: fuzz-build
	@mkdir -p $(FUZZ_B)/corpus/$* $(FUZZ_B)/crashes/$* $(FUZZ_B)/logs
	@cp -n tests/fuzz/corpus/$*/* $(FUZZ_B)/corpus/$*/ 2>/dev/null || true
	@echo "fuzz: $* for $(FUZZ_SECONDS)s (log: $(FUZZ_B)/logs/$*.log)"
	@if $(FUZZ_B)/bin/fuzz_$* -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -artifact_prefix=$(FUZZ_B)/crashes/$*/ $(FUZZ_ARGS) $(FUZZ_B)/corpus/$* > $(FUZZ_B)/logs/$*.log 2>&1; \
	then grep -E '^#[0-9]+' $(FUZZ_B)/logs/$*.log | tail -n 1 | sed 's/^/  $*: /'; \
	else tail -n 40 $(FUZZ_B)/logs/$*.log; echo "fuzz: $* FAILED; the input is in $(FUZZ_B)/crashes/$*/"; exit 1; fi

fuzz: $(FUZZ_TARGETS:%=fuzz-run-%)

# Line coverage of the library by each target's corpus (the working one if fuzzed, else the
# seeds), with clang's source-based coverage: $(FUZZ_B)/coverage/<name>.txt.
fuzz-coverage:
	@tools/install-deps.sh fuzz
	@FUZZ_B=$(FUZZ_B) FUZZ_CC=$(FUZZ_CC) FUZZ_TARGETS="$(FUZZ_TARGETS)" sh tests/fuzz/coverage.sh

# The learning-rate experiments (examples/lr_experiments.c): Fashion-MNIST when
# installed (the deps script installs it as root), else a synthetic data set.
demo: all
	@tools/install-deps.sh demo 2>/dev/null || echo "make demo: Fashion-MNIST is not installed" \
	    "(tools/install-deps.sh demo as root); using the built-in synthetic data set"
	$(B)/examples/lr_experiments --out $(B)/demo

install: lib
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 include/descent.h $(DESTDIR)$(INCLUDEDIR)/descent.h
	install -m 644 include/descent.hpp $(DESTDIR)$(INCLUDEDIR)/descent.hpp
	install -m 755 $(SO_REAL) $(DESTDIR)$(LIBDIR)/libdescent.so.$(VERSION)
	ln -sf libdescent.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SO_NAME)
	ln -sf $(SO_NAME) $(DESTDIR)$(LIBDIR)/libdescent.so
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/libdescent.a
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' descent.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/descent.pc

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/descent.h $(DESTDIR)$(INCLUDEDIR)/descent.hpp $(DESTDIR)$(LIBDIR)/libdescent.* \
	    $(DESTDIR)$(LIBDIR)/pkgconfig/descent.pc

docs:
	@tools/install-deps.sh docs
	@mkdir -p $(B)/docs
	sed -e 's|@VERSION@|$(VERSION)|' -e 's|@OUTPUT@|$(B)/docs|' docs/Doxyfile.in > $(B)/docs/Doxyfile
	doxygen $(B)/docs/Doxyfile

clean:
	rm -rf $(B) build-asan build-tsan $(FUZZ_B)

-include $(LIB_OBJ:.o=.d) $(XLIB_OBJ:.o=.d)
