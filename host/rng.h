/*
 * rng.h - the one deterministic random generator of sparq (xoshiro256**,
 * seeded through splitmix64). Same seed, same stream, on every machine: the
 * trainer's reproducibility, random models and test vectors rest on it.
 * Header-only; the state is the caller's (no hidden globals).
 */
#ifndef SPARQ_RNG_H
#define SPARQ_RNG_H

#include <math.h>
#include <stdint.h>

typedef struct sq_rng {
	uint64_t s[4];
} sq_rng;

static inline uint64_t sq_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static inline void sq_rng_seed(sq_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = sq_splitmix64(&x);
}

static inline uint64_t sq_rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t sq_rng_u64(sq_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = sq_rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = sq_rng_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double sq_rng_uniform(sq_rng *r)
{
	return (double)(sq_rng_u64(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n), unbiased (n >= 1). */
static inline uint64_t sq_rng_below(sq_rng *r, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t v;
	do
		v = sq_rng_u64(r);
	while (v >= limit);
	return v % n;
}

/* Uniform integer in [lo, hi] (lo <= hi). */
static inline int64_t sq_rng_range(sq_rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)sq_rng_below(r, (uint64_t)(hi - lo) + 1);
}

/* Standard normal (Box-Muller; one value per call, deterministic). */
static inline double sq_rng_normal(sq_rng *r)
{
	double u1 = sq_rng_uniform(r), u2 = sq_rng_uniform(r);
	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

#endif
