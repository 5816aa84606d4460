/*
 * replay.h - the experience replay buffer of the DQN trainer: a ring of
 * (obs, action, reward, next_obs, terminated) transitions, sampled uniformly
 * with replacement (as Stable-Baselines3). Truncated episodes are stored as
 * not terminated, so their last transition bootstraps from next_obs (SB3's
 * handle_timeout_termination).
 *
 * Memory: cap * (2 * obs_dim * 4 + 10) bytes, allocated once.
 */
#ifndef SPARQ_REPLAY_H
#define SPARQ_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "rng.h"
#include "sqm.h"

typedef struct sq_replay {
	uint32_t cap;      /* capacity in transitions, >= 1 */
	uint32_t obs_dim;
	uint32_t size;     /* stored, <= cap */
	uint32_t pos;      /* next slot to write */
	float *obs;        /* [cap * obs_dim] */
	float *next_obs;   /* [cap * obs_dim] */
	uint8_t *act;      /* [cap] */
	uint8_t *done;     /* [cap] 1 = terminated (no bootstrap) */
	float *rew;        /* [cap] */
} sq_replay;

int sq_replay_new(sq_replay *r, uint32_t cap, uint32_t obs_dim, sq_err *err);
void sq_replay_free(sq_replay *r);
void sq_replay_add(sq_replay *r, const float *obs, uint32_t act, float rew,
		   const float *next_obs, bool terminated);
/* Draws B indices uniformly from the stored transitions (size >= 1) and
 * gathers them into obs[B*obs_dim], act[B], rew[B], next_obs[B*obs_dim],
 * done[B] (0.0 or 1.0). */
void sq_replay_sample(const sq_replay *r, sq_rng *rng, uint32_t B, float *obs,
		      uint32_t *act, float *rew, float *next_obs, float *done);

#endif
