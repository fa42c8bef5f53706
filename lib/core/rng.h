/* Seeded pseudo-random numbers: xoshiro256** (Blackman & Vigna) seeded with
 * SplitMix64. Integer arithmetic plus IEEE double operations only, so a seed
 * gives the same numbers on every machine, compiler and kernel set. The state
 * is a plain struct so checkpoints can save and restore it. */
#ifndef DSC_CORE_RNG_H
#define DSC_CORE_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct dsc_rng {
    uint64_t s[4];      /* xoshiro256** state; never all zero */
    double spare;       /* second normal deviate of the last polar draw */
    int has_spare;      /* whether spare holds an unused deviate */
} dsc_rng;

void dsc__rng_seed(dsc_rng *r, uint64_t seed);
uint64_t dsc__rng_u64(dsc_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double dsc__rng_double(dsc_rng *r);
/* Uniform in [0, 1) with 24 random bits: every float32 result is exact. */
float dsc__rng_float(dsc_rng *r);
/* Uniform integer in [0, n), unbiased (rejection sampling); n >= 1. */
uint64_t dsc__rng_below(dsc_rng *r, uint64_t n);
/* Standard normal deviate (Marsaglia's polar method, in double). */
double dsc__rng_normal(dsc_rng *r);
/* Fisher-Yates shuffle of idx[0..n). */
void dsc__rng_shuffle(dsc_rng *r, size_t *idx, size_t n);

/* The whole state as words (checkpoints, lib/io): s[0..3], has_spare (0 or
 * 1), and the IEEE-754 bits of spare. */
#define DSC__RNG_WORDS 6
void dsc__rng_export(const dsc_rng *r, uint64_t w[DSC__RNG_WORDS]);
/* Whether w is a state a generator can be in: s not all zero, has_spare 0
 * or 1, spare finite. */
int dsc__rng_valid(const uint64_t w[DSC__RNG_WORDS]);
/* Sets r from a valid w. */
void dsc__rng_import(dsc_rng *r, const uint64_t w[DSC__RNG_WORDS]);

#endif
