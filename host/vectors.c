/*
 * vectors.c - the shared test vectors (vectors.h). The edge vectors come
 * first so that a short run still covers saturation and sign; the random
 * ones mix dense, sparse and clipped inputs. Huge observations go through
 * sq_quantize_input with the model's exponents, exactly as sq_quantize_obs
 * does, so the clip is exercised the way the host exercises it.
 */
#include "vectors.h"

#include <math.h>

#include "fixed.h"
#include "rng.h"

enum { KIND_UNIFORM, KIND_SPARSE, KIND_HUGE, N_KINDS };

static int32_t uniform_q(sq_rng *r, int32_t amax)
{
	return (int32_t)sq_rng_range(r, -amax, amax);
}

/* A float observation far outside the quantizer's range most of the time. */
static double huge_obs(sq_rng *r)
{
	uint64_t pick = sq_rng_below(r, 16);
	if (pick == 0)
		return NAN;
	if (pick == 1)
		return INFINITY;
	if (pick == 2)
		return -INFINITY;
	/* magnitude 2^-4 .. 2^40, either sign */
	double mag = ldexp(1.0 + sq_rng_uniform(r), (int)sq_rng_range(r, -4, 40));
	return (sq_rng_u64(r) & 1) ? mag : -mag;
}

void sq_make_vectors(const sq_model *m, uint64_t seed, uint32_t n, int32_t *q)
{
	uint32_t d = m->dims[0];
	unsigned bits = m->q[0].abits_in;
	int32_t amax = (int32_t)sq_amax(bits);
	sq_rng r;
	sq_rng_seed(&r, seed);

	for (uint32_t v = 0; v < n; v++) {
		int32_t *x = q + (size_t)v * d;
		if (v < 6) {
			for (uint32_t i = 0; i < d; i++) {
				switch (v) {
				case 0: x[i] = 0; break;
				case 1: x[i] = amax; break;
				case 2: x[i] = -amax; break;
				case 3: x[i] = (i % 2) ? -amax : amax; break;
				case 4: x[i] = 1; break;
				default: x[i] = -1; break;
				}
			}
			continue;
		}
		uint64_t kind = sq_rng_below(&r, N_KINDS);
		/* sparse vectors: 1 in 2..8 features nonzero */
		uint64_t keep = 2 + sq_rng_below(&r, 7);
		for (uint32_t i = 0; i < d; i++) {
			switch (kind) {
			case KIND_UNIFORM:
				x[i] = uniform_q(&r, amax);
				break;
			case KIND_SPARSE:
				x[i] = sq_rng_below(&r, keep) == 0 ? uniform_q(&r, amax) : 0;
				break;
			default: {
				int e = m->in_exp ? m->in_exp[i] : 0;
				x[i] = sq_quantize_input(huge_obs(&r), e, bits);
				break;
			}
			}
		}
	}
}
