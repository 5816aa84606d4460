/*
 * env_cartpole.c - CartPole-v1 (gymnasium/envs/classic_control/cartpole.py):
 * Euler integration with tau = 0.02 s, force +-10 N, termination at
 * |x| > 2.4 or |theta| > 12 degrees, reward 1 on every step (the terminating
 * one included), start state uniform in +-0.05. State: x, x_dot, theta,
 * theta_dot.
 */
#include <math.h>

#include "env.h"

#define CP_GRAVITY   9.8
#define CP_MASSCART  1.0
#define CP_MASSPOLE  0.1
#define CP_LENGTH    0.5
#define CP_FORCE     10.0
#define CP_TAU       0.02
#define CP_X_LIMIT   2.4

static void cp_reset(double *s, sq_rng *rng)
{
	for (int i = 0; i < 4; i++)
		s[i] = -0.05 + (0.05 - -0.05) * sq_rng_uniform(rng);
}

static double cp_step(double *s, uint32_t a, bool *terminated)
{
	/* Each constant is formed as Gymnasium forms it, so it rounds alike. */
	const double total_mass = CP_MASSPOLE + CP_MASSCART;
	const double polemass_length = CP_MASSPOLE * CP_LENGTH;
	const double theta_limit = 12 * 2 * M_PI / 360;
	double x = s[0], x_dot = s[1], theta = s[2], theta_dot = s[3];
	double force = a == 1 ? CP_FORCE : -CP_FORCE;
	double costheta = cos(theta);
	double sintheta = sin(theta);
	double temp = (force + polemass_length * (theta_dot * theta_dot) * sintheta) / total_mass;
	double thetaacc = (CP_GRAVITY * sintheta - costheta * temp) /
		(CP_LENGTH * (4.0 / 3.0 - CP_MASSPOLE * (costheta * costheta) / total_mass));
	double xacc = temp - polemass_length * thetaacc * costheta / total_mass;
	x = x + CP_TAU * x_dot;
	x_dot = x_dot + CP_TAU * xacc;
	theta = theta + CP_TAU * theta_dot;
	theta_dot = theta_dot + CP_TAU * thetaacc;
	s[0] = x;
	s[1] = x_dot;
	s[2] = theta;
	s[3] = theta_dot;
	*terminated = x < -CP_X_LIMIT || x > CP_X_LIMIT ||
		      theta < -theta_limit || theta > theta_limit;
	return 1.0;
}

static void cp_obs(const double *s, float *o)
{
	for (int i = 0; i < 4; i++)
		o[i] = (float)s[i];
}

const sq_env_spec sq_env_cartpole = {
	.name = "CartPole-v1",
	.state_dim = 4,
	.obs_dim = 4,
	.n_actions = 2,
	.max_steps = 500,
	.solved = 475.0,
	.norm_mid = { 0, 0, 0, 0 },
	.norm_half = { 4.8, 1, 0.41887902047863906, 1 },
	.reset = cp_reset,
	.step = cp_step,
	.obs = cp_obs,
};
