/* Builds one kernel table per ISA this CPU can run, once, at first use, and
 * picks the current one: the best supported, capped by DESCENT_ISA or
 * dsc_set_isa(). An unsupported request falls back (never SIGILL). */
#include "kernels.h"
#include "../core/common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const isa_names[DSC_ISA_COUNT] = {"scalar", "sse2", "avx2", "avx512", "neon"};

static dsc_kernels tables[DSC_ISA_COUNT];
static int available[DSC_ISA_COUNT];
static dsc_isa_id best = DSC_ISA_SCALAR;
static volatile dsc_isa_id current = DSC_ISA_SCALAR;
static char note[160];
static pthread_once_t once = PTHREAD_ONCE_INIT;

const char *dsc__isa_name(dsc_isa_id id) {
    return (unsigned)id < DSC_ISA_COUNT ? isa_names[id] : "unknown";
}

static int isa_from_name(const char *name) {
    for (int i = 0; i < DSC_ISA_COUNT; i++)
        if (strcmp(name, isa_names[i]) == 0) return i;
    return -1;
}

/* The ISAs of best's family, lowest first, up to and including best. */
static int in_family(dsc_isa_id id, dsc_isa_id top) {
    if (id == DSC_ISA_SCALAR) return 1;
    if (top == DSC_ISA_NEON) return id == DSC_ISA_NEON;
    return id != DSC_ISA_NEON && id <= top;
}

static void build(dsc_kernels *k, dsc_isa_id top) {
    memset(k, 0, sizeof *k);
    dsc__kernels_init_scalar(k);
    k->id = DSC_ISA_SCALAR;
    k->isa = isa_names[DSC_ISA_SCALAR];
#if defined(__x86_64__) || defined(__i386__)
    if (top >= DSC_ISA_SSE2 && top != DSC_ISA_NEON) { dsc__kernels_init_sse2(k); k->id = DSC_ISA_SSE2; }
    if (top >= DSC_ISA_AVX2 && top != DSC_ISA_NEON) { dsc__kernels_init_avx2(k); k->id = DSC_ISA_AVX2; }
    if (top >= DSC_ISA_AVX512 && top != DSC_ISA_NEON) { dsc__kernels_init_avx512(k); k->id = DSC_ISA_AVX512; }
#elif defined(__aarch64__)
    if (top == DSC_ISA_NEON) { dsc__kernels_init_neon(k); k->id = DSC_ISA_NEON; }
#endif
    k->isa = isa_names[k->id];
}

static void init_once(void) {
    best = dsc__cpu_best_isa();
    for (int i = 0; i < DSC_ISA_COUNT; i++) {
        available[i] = in_family((dsc_isa_id)i, best);
        if (available[i]) build(&tables[i], (dsc_isa_id)i);
    }
    current = best;
    const char *env = getenv("DESCENT_ISA");
    if (env == NULL || env[0] == '\0' || strcmp(env, "auto") == 0) return;
    int want = isa_from_name(env);
    if (want < 0) {
        snprintf(note, sizeof note, "DESCENT_ISA=%.40s: not a kernel set name; using %s", env,
                 isa_names[best]);
    } else if (!available[want]) {
        snprintf(note, sizeof note, "DESCENT_ISA=%s: not supported by this CPU or build; using %s",
                 isa_names[want], isa_names[best]);
    } else {
        current = (dsc_isa_id)want;
    }
}

const dsc_kernels *dsc__kernels(void) {
    pthread_once(&once, init_once);
    return &tables[current];
}

const dsc_kernels *dsc__kernels_for(dsc_isa_id id) {
    pthread_once(&once, init_once);
    if ((unsigned)id >= DSC_ISA_COUNT || !available[id]) return NULL;
    return &tables[id];
}

DSC_API const char *dsc_isa(void) {
    return dsc__kernels()->isa;
}

DSC_API const char *dsc_isa_note(void) {
    pthread_once(&once, init_once);
    return note;
}

DSC_API int dsc_isa_available(const char *name) {
    if (name == NULL) return 0;
    int id = isa_from_name(name);
    return id >= 0 && dsc__kernels_for((dsc_isa_id)id) != NULL;
}

DSC_API dsc_status dsc_set_isa(const char *name) {
    pthread_once(&once, init_once);
    if (name == NULL || strcmp(name, "auto") == 0) {
        current = best;
        return DSC_OK;
    }
    int id = isa_from_name(name);
    DSC_RETURN_IF(id < 0, DSC_E_ARG,
                  "dsc_set_isa: '%.40s' is not a kernel set; use scalar, sse2, avx2, avx512, neon or auto",
                  name);
    DSC_RETURN_IF(!available[id], DSC_E_UNSUPPORTED,
                  "dsc_set_isa: %s is not supported by this CPU or build (best is %s)", isa_names[id],
                  isa_names[best]);
    current = (dsc_isa_id)id;
    return DSC_OK;
}
