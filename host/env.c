/*
 * env.c - the registry of environments by Gymnasium id, and the episode
 * bookkeeping (step count, truncation) shared by every task.
 */
#include "env.h"

#include <string.h>

static const sq_env_spec *const env_table[] = {
	&sq_env_cartpole,
	&sq_env_acrobot,
	&sq_env_mountaincar,
};

const sq_env_spec *sq_env_find(const char *name)
{
	for (size_t i = 0; i < sizeof env_table / sizeof env_table[0]; i++)
		if (strcmp(env_table[i]->name, name) == 0)
			return env_table[i];
	return NULL;
}

const char *sq_env_names(void)
{
	return "CartPole-v1, Acrobot-v1, MountainCar-v0";
}

void sq_env_init(sq_env *e, const sq_env_spec *spec, uint64_t seed)
{
	memset(e, 0, sizeof *e);
	e->spec = spec;
	sq_rng_seed(&e->rng, seed);
}

void sq_env_reset(sq_env *e, float *obs)
{
	e->spec->reset(e->s, &e->rng);
	e->t = 0;
	e->spec->obs(e->s, obs);
}

double sq_env_step(sq_env *e, uint32_t a, float *obs, bool *terminated, bool *truncated)
{
	double r = e->spec->step(e->s, a, terminated);
	e->t++;
	*truncated = e->t >= e->spec->max_steps;
	e->spec->obs(e->s, obs);
	return r;
}
