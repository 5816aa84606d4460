/*
 * fixed.h - the fixed-point primitives of docs/numerics.md, shared by the
 * golden model, the exporter, the trainer's quantizer and the tests.
 * Header-only so every user inlines the one definition.
 */
#ifndef SPARQ_FIXED_H
#define SPARQ_FIXED_H

#include <stdint.h>
#include <math.h>

/* Largest magnitude of an n-bit symmetric signed value: 2^(n-1) - 1. */
static inline int64_t sq_amax(unsigned bits)
{
	return ((int64_t)1 << (bits - 1)) - 1;
}

static inline int64_t sq_clamp64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

/* Round half up, then arithmetic shift right by s (0..31); exact for
 * |acc| < 2^62. */
static inline int64_t sq_round_shift(int64_t acc, unsigned s)
{
	if (s == 0)
		return acc;
	/* >> of a negative int64 is arithmetic on every compiler we build with;
	 * write it as floor division to not depend on it. */
	int64_t t = acc + ((int64_t)1 << (s - 1));
	int64_t d = (int64_t)1 << s;
	int64_t q = t / d;
	if ((t % d) != 0 && t < 0)
		q -= 1;
	return q;
}

/* Hidden-layer requantization: round-shift, saturate, ReLU (one clamp). */
static inline int32_t sq_requant_relu(int64_t acc, unsigned shift, unsigned out_bits)
{
	return (int32_t)sq_clamp64(sq_round_shift(acc, shift), 0, sq_amax(out_bits));
}

/* Input quantization of one feature (numerics.md "Input quantization"). */
static inline int32_t sq_quantize_input(double x, int exp, unsigned bits)
{
	if (isnan(x))
		return 0;
	double amax = (double)sq_amax(bits);
	double v = floor(ldexp(x, exp) + 0.5);
	if (v > amax)
		v = amax;
	if (v < -amax)
		v = -amax;
	return (int32_t)v;
}

/* Least n >= 2 with 2^(n-1) - 1 >= m (m >= 0). */
static inline unsigned sq_bits_for_magnitude(uint64_t m)
{
	unsigned n = 2;
	while (n < 64 && (((uint64_t)1 << (n - 1)) - 1) < m)
		n++;
	return n;
}

#endif
