/*
 * eval.c - greedy episodes of a model (eval.h).
 */
#include "eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"

int sq_eval_resolve(const sq_model *m, int path, sq_err *err)
{
	if (path == SQ_EVAL_AUTO)
		return (m->flags & SQM_FIXED) ? SQ_EVAL_FIXED : SQ_EVAL_FLOAT;
	if (path == SQ_EVAL_FIXED && !(m->flags & SQM_FIXED))
		return sq_fail(err, SQ_E_INVALID, "model has no fixed-point payload");
	if (path == SQ_EVAL_FLOAT && !(m->flags & SQM_FLOAT))
		return sq_fail(err, SQ_E_INVALID, "model has no float payload");
	if (path != SQ_EVAL_FIXED && path != SQ_EVAL_FLOAT)
		return sq_fail(err, SQ_E_INVALID, "unknown evaluation path %d", path);
	return path;
}

static uint32_t act(const sq_model *m, int path, const double *obs, sq_golden_ws *ws)
{
	if (path == SQ_EVAL_FIXED) {
		int32_t q[SQ_ENV_MAX_OBS];
		int64_t qv[SQ_MAX_DIM];
		sq_quantize_obs(m, obs, q);
		return sq_golden_infer(m, q, qv, ws, NULL);
	}
	double qv[SQ_MAX_DIM];
	return sq_float_forward(m, obs, qv, ws);
}

int sq_eval_model(const sq_model *m, int path, const sq_env_spec *env, uint32_t episodes,
		  uint64_t seed, const sq_model *against, int against_path,
		  sq_eval_result *res, double *returns, sq_err *err)
{
	memset(res, 0, sizeof *res);
	if (episodes < 1)
		return sq_fail(err, SQ_E_INVALID, "0 evaluation episodes");
	if (m->dims[0] != env->obs_dim || m->dims[m->n_layers] != env->n_actions)
		return sq_fail(err, SQ_E_INVALID,
			       "model has %u inputs and %u actions; %s has %u and %u",
			       m->dims[0], m->dims[m->n_layers], env->name, env->obs_dim,
			       env->n_actions);
	int p = sq_eval_resolve(m, path, err);
	if (p < 0)
		return p;
	int pa = 0;
	if (against) {
		if (against->dims[0] != m->dims[0] ||
		    against->dims[against->n_layers] != m->dims[m->n_layers])
			return sq_fail(err, SQ_E_INVALID,
				       "--against model has %u inputs and %u actions, model has %u and %u",
				       against->dims[0], against->dims[against->n_layers],
				       m->dims[0], m->dims[m->n_layers]);
		pa = sq_eval_resolve(against, against_path, err);
		if (pa < 0)
			return pa;
	}
	sq_golden_ws *ws = malloc(sizeof *ws);
	if (!ws)
		return sq_fail(err, SQ_E_NOMEM, "evaluation: out of memory");
	sq_env e;
	sq_env_init(&e, env, seed);
	double mean = 0, m2 = 0, lo = INFINITY, hi = -INFINITY;
	for (uint32_t k = 0; k < episodes; k++) {
		float o[SQ_ENV_MAX_OBS];
		double obs[SQ_ENV_MAX_OBS];
		bool te = false, tr = false;
		double ret = 0;
		sq_env_reset(&e, o);
		while (!te && !tr) {
			for (uint32_t i = 0; i < env->obs_dim; i++)
				obs[i] = o[i];
			uint32_t a = act(m, p, obs, ws);
			if (against) {
				res->agree += act(against, pa, obs, ws) == a;
			}
			res->steps++;
			ret += sq_env_step(&e, a, o, &te, &tr);
		}
		if (returns)
			returns[k] = ret;
		double dlt = ret - mean; /* Welford */
		mean += dlt / (k + 1);
		m2 += dlt * (ret - mean);
		lo = fmin(lo, ret);
		hi = fmax(hi, ret);
	}
	res->episodes = episodes;
	res->mean = mean;
	res->std = sqrt(m2 / episodes);
	res->min = lo;
	res->max = hi;
	res->path = p;
	res->against_path = pa;
	free(ws);
	return SQ_OK;
}
