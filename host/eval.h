/*
 * eval.h - greedy policy evaluation of a model on its environment.
 *
 * A fixed-point payload runs through the golden model (observations
 * quantized by sq_quantize_obs, exactly as the board sees them); a float
 * payload runs through the float pass (sq_float_forward). Episodes are
 * seeded: episode starts depend only on the seed, so two models evaluated
 * with one seed start from the same states. With an `against` model, every
 * visited state is also given to it and the agreement of the actions counted.
 */
#ifndef SPARQ_EVAL_H
#define SPARQ_EVAL_H

#include <stdint.h>

#include "env.h"
#include "sqm.h"

enum sq_eval_path {
	SQ_EVAL_AUTO = 0,   /* fixed payload if present, else float */
	SQ_EVAL_FIXED = 1,  /* golden model (needs SQM_FIXED) */
	SQ_EVAL_FLOAT = 2,  /* float pass (needs SQM_FLOAT) */
};

typedef struct sq_eval_result {
	uint32_t episodes;
	double mean, std, min, max;   /* of the episode returns (std: population) */
	uint64_t steps;               /* states visited */
	uint64_t agree;               /* of those, where `against` chose the same action */
	int path, against_path;       /* the sq_eval_path actually used */
} sq_eval_result;

/* The path AUTO resolves to for m, or a negative code if m lacks the
 * requested payload. */
int sq_eval_resolve(const sq_model *m, int path, sq_err *err);

/* Evaluates m on env for `episodes` (>= 1) greedy episodes from seed.
 * against: NULL, or a model with the same input and action counts.
 * returns: NULL, or an array of `episodes` doubles that receives each
 * episode's return. */
int sq_eval_model(const sq_model *m, int path, const sq_env_spec *env, uint32_t episodes,
		  uint64_t seed, const sq_model *against, int against_path,
		  sq_eval_result *res, double *returns, sq_err *err);

#endif
