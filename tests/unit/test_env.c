/*
 * test_env.c - parity of sparq's environments with Gymnasium: every
 * transition of the fixtures in tests/env/ (recorded from gymnasium by
 * tests/env/gen_fixtures.py) must give the same next state to 1e-12
 * relative, the same reward and the same terminated/truncated flags, and the
 * same float32 observation. Also: resets stay in Gymnasium's ranges.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "testlib.h"

static int close_rel(double a, double b)
{
	double d = fabs(a - b), m = fmax(fabs(a), fabs(b));
	return d <= 1e-12 * m || d <= 1e-300;
}

static int check_file(const sq_env_spec *spec, const char *path)
{
	FILE *f = fopen(path, "r");
	CHECKF(f != NULL, "cannot open %s (run from the repository root)", path);
	char line[4096];
	unsigned n = 0, lineno = 0, n_term = 0, n_trunc = 0;
	double worst = 0.0;
	int bad = 0;
	uint32_t S = spec->state_dim, O = spec->obs_dim;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		char *p = line, *end;
		double v[64];
		int k = 0;
		for (;;) {
			double x = strtod(p, &end);
			if (end == p)
				break;
			v[k++] = x;
			p = end;
			if (k == 64)
				break;
		}
		int want = (int)(2 + 2 * S + 3 + O);
		if (k != want) {
			fprintf(stderr, "  %s:%u: %d fields, expected %d\n", path, lineno, k, want);
			bad = 1;
			break;
		}
		sq_env e;
		sq_env_init(&e, spec, 1);
		e.t = (uint32_t)v[0];
		uint32_t a = (uint32_t)v[1];
		for (uint32_t i = 0; i < S; i++)
			e.s[i] = v[2 + i];
		float obs[SQ_ENV_MAX_OBS];
		bool term, trunc;
		double r = sq_env_step(&e, a, obs, &term, &trunc);
		const double *ns = &v[2 + S];
		double rr = v[2 + 2 * S];
		bool tt = v[3 + 2 * S] != 0.0, tr = v[4 + 2 * S] != 0.0;
		const double *ob = &v[5 + 2 * S];
		for (uint32_t i = 0; i < S; i++) {
			double d = fabs(e.s[i] - ns[i]);
			double m = fmax(fabs(ns[i]), 1e-300);
			if (d / m > worst)
				worst = d / m;
			if (!close_rel(e.s[i], ns[i])) {
				if (bad < 5)
					fprintf(stderr, "  %s:%u: state[%u] %.17g, gymnasium %.17g\n",
						path, lineno, i, e.s[i], ns[i]);
				bad++;
			}
		}
		if (r != rr || term != tt || trunc != tr) {
			if (bad < 5)
				fprintf(stderr, "  %s:%u: reward/term/trunc %g/%d/%d, gymnasium %g/%d/%d\n",
					path, lineno, r, term, trunc, rr, tt, tr);
			bad++;
		}
		for (uint32_t i = 0; i < O; i++) {
			/* the observation of a state equal to 1e-12 is the same float32,
			 * or one float32 step away when the double sits on a rounding
			 * boundary */
			double d = fabs((double)obs[i] - ob[i]);
			if (d > 0 && d > fabs(ob[i]) * 1.2e-7 + 1e-45) {
				if (bad < 5)
					fprintf(stderr, "  %s:%u: obs[%u] %.9g, gymnasium %.9g\n",
						path, lineno, i, (double)obs[i], ob[i]);
				bad++;
			}
		}
		n_term += tt;
		n_trunc += tr;
		n++;
	}
	fclose(f);
	fprintf(stderr, "  %s: %u transitions (%u terminated, %u truncated), worst relative "
		"state error %.3g, %d mismatches\n", spec->name, n, n_term, n_trunc, worst, bad);
	CHECK(bad == 0);
	CHECK(n >= 1000 && n_term >= 50 && n_trunc >= 50);
	return 0;
}

static int t_parity_cartpole(void)
{
	return check_file(&sq_env_cartpole, "tests/env/cartpole.txt");
}

static int t_parity_acrobot(void)
{
	return check_file(&sq_env_acrobot, "tests/env/acrobot.txt");
}

static int t_parity_mountaincar(void)
{
	return check_file(&sq_env_mountaincar, "tests/env/mountaincar.txt");
}

static int t_registry(void)
{
	CHECK(sq_env_find("CartPole-v1") == &sq_env_cartpole);
	CHECK(sq_env_find("Acrobot-v1") == &sq_env_acrobot);
	CHECK(sq_env_find("MountainCar-v0") == &sq_env_mountaincar);
	CHECK(sq_env_find("CartPole-v0") == NULL);
	return 0;
}

/* Reset ranges: CartPole +-0.05, Acrobot +-0.1 as float32, MountainCar
 * position in [-0.6, -0.4) with zero velocity; same seed, same start. */
static int t_reset_ranges(void)
{
	sq_env e, e2;
	float o[SQ_ENV_MAX_OBS] = { 0 }, o2[SQ_ENV_MAX_OBS] = { 0 };
	sq_env_init(&e, &sq_env_cartpole, 5);
	sq_env_init(&e2, &sq_env_cartpole, 5);
	for (int k = 0; k < 1000; k++) {
		sq_env_reset(&e, o);
		sq_env_reset(&e2, o2);
		CHECK(memcmp(o, o2, sizeof o) == 0);
		for (int i = 0; i < 4; i++)
			CHECK(e.s[i] >= -0.05 && e.s[i] < 0.05);
		CHECK(e.t == 0);
	}
	sq_env_init(&e, &sq_env_acrobot, 5);
	for (int k = 0; k < 1000; k++) {
		sq_env_reset(&e, o);
		for (int i = 0; i < 4; i++)
			CHECK(e.s[i] >= -0.1 && e.s[i] <= 0.1 && e.s[i] == (double)(float)e.s[i]);
	}
	sq_env_init(&e, &sq_env_mountaincar, 5);
	double lo = 1, hi = -1;
	for (int k = 0; k < 1000; k++) {
		sq_env_reset(&e, o);
		CHECK(e.s[0] >= -0.6 && e.s[0] < -0.4 && e.s[1] == 0.0);
		lo = fmin(lo, e.s[0]);
		hi = fmax(hi, e.s[0]);
	}
	CHECK(lo < -0.59 && hi > -0.41);
	return 0;
}

/* An episode under a fixed action ends by termination or at max_steps. */
static int t_episode_lengths(void)
{
	sq_env e;
	float o[SQ_ENV_MAX_OBS];
	bool te = false, tr = false;
	sq_env_init(&e, &sq_env_mountaincar, 3);
	sq_env_reset(&e, o);
	unsigned n = 0;
	double ret = 0;
	while (!te && !tr) {
		ret += sq_env_step(&e, 1, o, &te, &tr);
		n++;
	}
	CHECK(n == 200 && tr && !te && ret == -200.0);
	sq_env_init(&e, &sq_env_cartpole, 3);
	sq_env_reset(&e, o);
	n = 0;
	te = tr = false;
	while (!te && !tr) {
		sq_env_step(&e, 1, o, &te, &tr);
		n++;
	}
	CHECK(te && n < 50);
	return 0;
}

int main(void)
{
	RUN(t_registry);
	RUN(t_parity_cartpole);
	RUN(t_parity_acrobot);
	RUN(t_parity_mountaincar);
	RUN(t_reset_ranges);
	RUN(t_episode_lengths);
	return tl_done();
}
