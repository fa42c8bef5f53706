/* xoshiro256** with SplitMix64 seeding; see rng.h for why this generator. */
#include "rng.h"

#include <math.h>
#include <string.h>

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

void dsc__rng_seed(dsc_rng *r, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
    /* SplitMix64 output is a bijection of distinct inputs, so the four words
     * cannot all be zero; no fix-up needed. */
    r->spare = 0.0;
    r->has_spare = 0;
}

uint64_t dsc__rng_u64(dsc_rng *r) {
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double dsc__rng_double(dsc_rng *r) {
    return (double)(dsc__rng_u64(r) >> 11) * 0x1.0p-53;
}

float dsc__rng_float(dsc_rng *r) {
    return (float)(dsc__rng_u64(r) >> 40) * 0x1.0p-24f;
}

uint64_t dsc__rng_below(dsc_rng *r, uint64_t n) {
    /* Reject the top partial bucket so every residue is equally likely. */
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = dsc__rng_u64(r);
    } while (x >= limit);
    return x % n;
}

double dsc__rng_normal(dsc_rng *r) {
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u, v, s;
    do {
        u = 2.0 * dsc__rng_double(r) - 1.0;
        v = 2.0 * dsc__rng_double(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = sqrt(-2.0 * log(s) / s);
    r->spare = v * f;
    r->has_spare = 1;
    return u * f;
}

void dsc__rng_shuffle(dsc_rng *r, size_t *idx, size_t n) {
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)dsc__rng_below(r, (uint64_t)i);
        size_t tmp = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = tmp;
    }
}

void dsc__rng_export(const dsc_rng *r, uint64_t w[DSC__RNG_WORDS]) {
    for (int i = 0; i < 4; i++) w[i] = r->s[i];
    w[4] = r->has_spare ? 1u : 0u;
    memcpy(&w[5], &r->spare, sizeof r->spare);
}

int dsc__rng_valid(const uint64_t w[DSC__RNG_WORDS]) {
    double spare;
    memcpy(&spare, &w[5], sizeof spare);
    return (w[0] | w[1] | w[2] | w[3]) != 0 && w[4] <= 1 && isfinite(spare);
}

void dsc__rng_import(dsc_rng *r, const uint64_t w[DSC__RNG_WORDS]) {
    for (int i = 0; i < 4; i++) r->s[i] = w[i];
    r->has_spare = (int)w[4];
    memcpy(&r->spare, &w[5], sizeof r->spare);
}
