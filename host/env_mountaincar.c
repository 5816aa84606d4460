/*
 * env_mountaincar.c - MountainCar-v0
 * (gymnasium/envs/classic_control/mountain_car.py): velocity += (a-1)*0.001
 * - 0.0025*cos(3 pos), clipped to +-0.07; position clipped to [-1.2, 0.6],
 * velocity zeroed at the left wall when moving left; terminated at pos >= 0.5
 * with velocity >= 0; reward -1 every step; start pos uniform in
 * [-0.6, -0.4], velocity 0. State: position, velocity.
 */
#include <math.h>

#include "env.h"

#define MC_MIN_POS   -1.2
#define MC_MAX_POS    0.6
#define MC_MAX_SPEED  0.07
#define MC_GOAL_POS   0.5
#define MC_FORCE      0.001
#define MC_GRAVITY    0.0025

static void mc_reset(double *s, sq_rng *rng)
{
	s[0] = -0.6 + (-0.4 - -0.6) * sq_rng_uniform(rng);
	s[1] = 0.0;
}

static double clip(double x, double lo, double hi)
{
	return x < lo ? lo : (x > hi ? hi : x);
}

static double mc_step(double *s, uint32_t a, bool *terminated)
{
	double position = s[0], velocity = s[1];
	velocity += ((double)((int)a - 1) * MC_FORCE + cos(3 * position) * (-MC_GRAVITY));
	velocity = clip(velocity, -MC_MAX_SPEED, MC_MAX_SPEED);
	position += velocity;
	position = clip(position, MC_MIN_POS, MC_MAX_POS);
	if (position == MC_MIN_POS && velocity < 0)
		velocity = 0.0;
	*terminated = position >= MC_GOAL_POS && velocity >= 0.0;
	s[0] = position;
	s[1] = velocity;
	return -1.0;
}

static void mc_obs(const double *s, float *o)
{
	o[0] = (float)s[0];
	o[1] = (float)s[1];
}

const sq_env_spec sq_env_mountaincar = {
	.name = "MountainCar-v0",
	.state_dim = 2,
	.obs_dim = 2,
	.n_actions = 3,
	.max_steps = 200,
	.solved = -110.0,
	.norm_mid = { -0.3, 0 },
	.norm_half = { 0.9, 0.07 },
	.reset = mc_reset,
	.step = mc_step,
	.obs = mc_obs,
};
