/*
 * env.h - the control tasks sparq trains on, step for step as Gymnasium's
 * reference code (gymnasium/envs/classic_control): CartPole-v1, Acrobot-v1,
 * MountainCar-v0.
 *
 * Each step function is the Gymnasium equation in IEEE double, in the same
 * order of operations (tests/env/ holds transitions recorded from gymnasium
 * itself; tests/unit/test_env.c checks ours against them to 1e-12 relative,
 * and exactly on the flags). Observations are float32, as Gymnasium returns
 * them; the physical state stays double. Truncation follows the TimeLimit
 * wrapper: an episode is truncated when its step count reaches max_steps
 * (it may be terminated and truncated at once).
 *
 * Resets draw from the same distributions as Gymnasium (uniform ranges), from
 * the env's own sq_rng: not the same numbers as numpy for a given seed, but
 * the same seed gives the same episodes here on every machine.
 */
#ifndef SPARQ_ENV_H
#define SPARQ_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "rng.h"

#define SQ_ENV_MAX_STATE 4
#define SQ_ENV_MAX_OBS   6

typedef struct sq_env_spec {
	const char *name;       /* "CartPole-v1" */
	uint32_t state_dim;     /* doubles of the physical state */
	uint32_t obs_dim;       /* floats of an observation */
	uint32_t n_actions;
	uint32_t max_steps;     /* truncation (TimeLimit) */
	double solved;          /* Gymnasium's reward_threshold */
	/* Observation scaling for training (--obs-norm): obs' = (obs - mid) /
	 * half maps Gymnasium's observation bounds to [-1, 1]; half = 1, mid = 0
	 * where a bound is infinite. */
	double norm_mid[SQ_ENV_MAX_OBS];
	double norm_half[SQ_ENV_MAX_OBS];
	/* Draws a start state. */
	void (*reset)(double *s, sq_rng *rng);
	/* One transition of state s under action a (< n_actions): updates s,
	 * returns the reward and sets *terminated. */
	double (*step)(double *s, uint32_t a, bool *terminated);
	/* The float32 observation of state s. */
	void (*obs)(const double *s, float *o);
} sq_env_spec;

extern const sq_env_spec sq_env_cartpole;    /* env_cartpole.c */
extern const sq_env_spec sq_env_acrobot;     /* env_acrobot.c */
extern const sq_env_spec sq_env_mountaincar; /* env_mountaincar.c */

/* The spec of an environment by its Gymnasium id, or NULL. */
const sq_env_spec *sq_env_find(const char *name);
/* "CartPole-v1, Acrobot-v1, MountainCar-v0" (for messages). */
const char *sq_env_names(void);

/* One running environment. */
typedef struct sq_env {
	const sq_env_spec *spec;
	double s[SQ_ENV_MAX_STATE]; /* physical state */
	uint32_t t;                 /* steps taken in this episode */
	sq_rng rng;                 /* reset randomness */
} sq_env;

/* Binds e to spec with its reset generator seeded by seed (no reset yet). */
void sq_env_init(sq_env *e, const sq_env_spec *spec, uint64_t seed);
/* Starts an episode; writes the first observation. */
void sq_env_reset(sq_env *e, float *obs);
/* One step with action a: writes the next observation, returns the reward,
 * sets *terminated and *truncated (t reached max_steps). */
double sq_env_step(sq_env *e, uint32_t a, float *obs, bool *terminated, bool *truncated);

#endif
