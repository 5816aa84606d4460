/*
 * env_acrobot.c - Acrobot-v1 (gymnasium/envs/classic_control/acrobot.py),
 * the "book" dynamics: one RK4 step of dt = 0.2 s over the augmented state
 * (theta1, theta2, dtheta1, dtheta2, torque), angles wrapped to [-pi, pi],
 * velocities bounded to 4 pi and 9 pi; torque -1/0/+1; terminated when the
 * tip rises above the bar (-cos t1 - cos(t1 + t2) > 1); reward -1, 0 on the
 * terminating step. Start state uniform in +-0.1, rounded to float32 as
 * Gymnasium does.
 */
#include <math.h>

#include "env.h"

#define AC_DT 0.2

static void ac_reset(double *s, sq_rng *rng)
{
	for (int i = 0; i < 4; i++)
		s[i] = (double)(float)(-0.1 + (0.1 - -0.1) * sq_rng_uniform(rng));
}

/* _dsdt of the reference, term by term in its order. y[4] is the torque. */
static void ac_dsdt(const double *y, double *dy)
{
	const double m1 = 1.0, m2 = 1.0, l1 = 1.0, lc1 = 0.5, lc2 = 0.5;
	const double I1 = 1.0, I2 = 1.0, g = 9.8;
	double a = y[4];
	double theta1 = y[0], theta2 = y[1], dtheta1 = y[2], dtheta2 = y[3];
	double d1 = m1 * (lc1 * lc1) + m2 * ((l1 * l1) + (lc2 * lc2) + 2 * l1 * lc2 * cos(theta2)) + I1 + I2;
	double d2 = m2 * ((lc2 * lc2) + l1 * lc2 * cos(theta2)) + I2;
	double phi2 = m2 * lc2 * g * cos(theta1 + theta2 - M_PI / 2.0);
	double phi1 = -m2 * l1 * lc2 * (dtheta2 * dtheta2) * sin(theta2)
		- 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin(theta2)
		+ (m1 * lc1 + m2 * l1) * g * cos(theta1 - M_PI / 2)
		+ phi2;
	double ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * sin(theta2) - phi2) /
		(m2 * (lc2 * lc2) + I2 - (d2 * d2) / d1);
	double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
	dy[0] = dtheta1;
	dy[1] = dtheta2;
	dy[2] = ddtheta1;
	dy[3] = ddtheta2;
	dy[4] = 0.0;
}

static double wrap(double x, double m, double M)
{
	double diff = M - m;
	while (x > M)
		x = x - diff;
	while (x < m)
		x = x + diff;
	return x;
}

static double bound(double x, double m, double M)
{
	double t = x > m ? x : m; /* Python max(x, m): x unless m is larger */
	return t < M ? t : M;
}

static double ac_step(double *s, uint32_t a, bool *terminated)
{
	static const double torque[3] = { -1.0, 0.0, 1.0 };
	double y0[5], k1[5], k2[5], k3[5], k4[5], t[5];
	const double dt = AC_DT - 0.0, dt2 = dt / 2.0;
	for (int i = 0; i < 4; i++)
		y0[i] = s[i];
	y0[4] = torque[a];
	ac_dsdt(y0, k1);
	for (int i = 0; i < 5; i++)
		t[i] = y0[i] + dt2 * k1[i];
	ac_dsdt(t, k2);
	for (int i = 0; i < 5; i++)
		t[i] = y0[i] + dt2 * k2[i];
	ac_dsdt(t, k3);
	for (int i = 0; i < 5; i++)
		t[i] = y0[i] + dt * k3[i];
	ac_dsdt(t, k4);
	double ns[4];
	for (int i = 0; i < 4; i++)
		ns[i] = y0[i] + dt / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
	ns[0] = wrap(ns[0], -M_PI, M_PI);
	ns[1] = wrap(ns[1], -M_PI, M_PI);
	ns[2] = bound(ns[2], -4 * M_PI, 4 * M_PI);
	ns[3] = bound(ns[3], -9 * M_PI, 9 * M_PI);
	for (int i = 0; i < 4; i++)
		s[i] = ns[i];
	*terminated = -cos(s[0]) - cos(s[1] + s[0]) > 1.0;
	return *terminated ? 0.0 : -1.0;
}

static void ac_obs(const double *s, float *o)
{
	o[0] = (float)cos(s[0]);
	o[1] = (float)sin(s[0]);
	o[2] = (float)cos(s[1]);
	o[3] = (float)sin(s[1]);
	o[4] = (float)s[2];
	o[5] = (float)s[3];
}

const sq_env_spec sq_env_acrobot = {
	.name = "Acrobot-v1",
	.state_dim = 4,
	.obs_dim = 6,
	.n_actions = 3,
	.max_steps = 500,
	.solved = -100.0,
	.norm_mid = { 0, 0, 0, 0, 0, 0 },
	.norm_half = { 1, 1, 1, 1, 4 * M_PI, 9 * M_PI },
	.reset = ac_reset,
	.step = ac_step,
	.obs = ac_obs,
};
