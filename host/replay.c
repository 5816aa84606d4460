/*
 * replay.c - the ring buffer of replay.h.
 */
#include "replay.h"

#include <stdlib.h>
#include <string.h>

int sq_replay_new(sq_replay *r, uint32_t cap, uint32_t obs_dim, sq_err *err)
{
	memset(r, 0, sizeof *r);
	if (cap < 1 || obs_dim < 1)
		return sq_fail(err, SQ_E_INVALID, "replay: capacity %u, obs_dim %u (both >= 1)",
			       cap, obs_dim);
	size_t n = (size_t)cap * obs_dim;
	r->obs = malloc(n * sizeof *r->obs);
	r->next_obs = malloc(n * sizeof *r->next_obs);
	r->act = calloc(cap, 1);
	r->done = calloc(cap, 1);
	r->rew = calloc(cap, sizeof *r->rew);
	if (!r->obs || !r->next_obs || !r->act || !r->done || !r->rew) {
		sq_replay_free(r);
		return sq_fail(err, SQ_E_NOMEM, "replay: %u transitions: out of memory", cap);
	}
	memset(r->obs, 0, n * sizeof *r->obs);
	memset(r->next_obs, 0, n * sizeof *r->next_obs);
	r->cap = cap;
	r->obs_dim = obs_dim;
	return SQ_OK;
}

void sq_replay_free(sq_replay *r)
{
	if (!r)
		return;
	free(r->obs);
	free(r->next_obs);
	free(r->act);
	free(r->done);
	free(r->rew);
	memset(r, 0, sizeof *r);
}

void sq_replay_add(sq_replay *r, const float *obs, uint32_t act, float rew,
		   const float *next_obs, bool terminated)
{
	size_t o = (size_t)r->pos * r->obs_dim;
	memcpy(r->obs + o, obs, r->obs_dim * sizeof *obs);
	memcpy(r->next_obs + o, next_obs, r->obs_dim * sizeof *obs);
	r->act[r->pos] = (uint8_t)act;
	r->rew[r->pos] = rew;
	r->done[r->pos] = terminated ? 1 : 0;
	r->pos = r->pos + 1 == r->cap ? 0 : r->pos + 1;
	if (r->size < r->cap)
		r->size++;
}

void sq_replay_sample(const sq_replay *r, sq_rng *rng, uint32_t B, float *obs,
		      uint32_t *act, float *rew, float *next_obs, float *done)
{
	uint32_t d = r->obs_dim;
	for (uint32_t b = 0; b < B; b++) {
		uint32_t i = (uint32_t)sq_rng_below(rng, r->size);
		memcpy(obs + (size_t)b * d, r->obs + (size_t)i * d, d * sizeof *obs);
		memcpy(next_obs + (size_t)b * d, r->next_obs + (size_t)i * d, d * sizeof *obs);
		act[b] = r->act[i];
		rew[b] = r->rew[i];
		done[b] = r->done[i] ? 1.0f : 0.0f;
	}
}
