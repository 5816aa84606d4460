/*
 * standin.h - the function of the stand-in core (tests/link/standin/sq_core.v),
 * written independently in C so that link tests can check every INFER.
 *   q[j] = bias[j] + sum over features f of (f + 1 + j) * a[f]
 *   action = argmax q, lowest index on ties
 */
#ifndef SPARQ_TEST_STANDIN_H
#define SPARQ_TEST_STANDIN_H

#include <stdint.h>

#define STANDIN_NQ 16

static inline uint32_t standin_infer(const int32_t *bias, const int32_t *a, uint32_t in_dim,
				     uint32_t out_dim, int32_t *q)
{
	uint32_t best = 0;
	for (uint32_t j = 0; j < out_dim; j++) {
		int64_t acc = bias[j];
		for (uint32_t f = 0; f < in_dim; f++)
			acc += (int64_t)(f + 1 + j) * a[f];
		q[j] = (int32_t)acc;
		if (q[j] > q[best])
			best = j;
	}
	return best;
}

#endif
