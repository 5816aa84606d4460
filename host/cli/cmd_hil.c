/*
 * cmd_hil.c - `sparq hil`: hardware-in-the-loop episodes. The host runs the
 * environment, quantizes each observation (sq_quantize_obs), sends it to the
 * device in an INFER frame, steps with the device's action, and checks every
 * action (and Q-value) against the golden model. Episodes are seeded as
 * `sparq eval` seeds them (one sq_env_init per run, episodes back to back),
 * so with zero divergences the returns equal eval's for the same seed.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "cli.h"
#include "cli_device.h"
#include "device.h"
#include "env.h"
#include "golden.h"
#include "sqm.h"

SQ_COMMAND(hil, "run hardware-in-the-loop episodes on a device, checked against the golden model")

static const char usage_text[] =
	"usage: sparq hil m.sqm --env NAME --episodes N --device SPEC [options]\n"
	"\n"
	"  --device SPEC    sim:/path.sock (board-level model), tty:/dev/ttyUSB0[@BAUD],\n"
	"                   sparqd:/path.sock (through the daemon), usb:VID:PID[:SERIAL]\n"
	"                   (usb: through sparqd, or with sparq-usb, which links libusb)\n"
	"  --env NAME       CartPole-v1, Acrobot-v1, MountainCar-v0\n"
	"  --episodes N     episodes to run (1..100000)\n"
	"  --seed S         episode seed, as `sparq eval --seed` (default 7)\n"
	"  --log FILE       one JSON line per episode, written atomically at the end\n"
	"  --timeout MS     wait for one answer (default 250); --retries N (default 8)\n"
	"  --json           one JSON object on stdout\n"
	"\n"
	"Reports returns, divergences from the golden model (any differing action\n"
	"fails the run), steps per second, per-step round-trip time p50/p99, bytes\n"
	"per step and the bound the link sets. Exit 0 only with zero divergences.\n";

typedef struct ep_result {
	double ret;
	uint32_t steps, diverged, q_mismatch;
	double rtt_p50_us, rtt_p99_us;
} ep_result;

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n). */
static double pct(const int64_t *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	size_t k = (size_t)ceil(p / 100.0 * (double)n);
	return (double)v[k ? k - 1 : 0];
}

/* Wire bytes of a frame with this payload, before escapes. */
static uint32_t wire_bytes(uint32_t payload)
{
	return 2 + SQ_LINK_HDR + payload + SQ_LINK_CRC;
}

static int write_log(const char *path, const ep_result *ep, uint32_t n, uint64_t seed,
		     sq_err *err)
{
	size_t cap = 256 + (size_t)n * 192, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return sq_fail(err, SQ_E_NOMEM, "out of memory for the log");
	for (uint32_t k = 0; k < n; k++)
		len += (size_t)snprintf(buf + len, cap - len,
					"{\"episode\":%u,\"seed\":%llu,\"return\":%.17g,\"steps\":%u,"
					"\"divergences\":%u,\"q_mismatches\":%u,\"rtt_p50_us\":%.1f,"
					"\"rtt_p99_us\":%.1f}\n",
					k, (unsigned long long)seed, ep[k].ret, ep[k].steps,
					ep[k].diverged, ep[k].q_mismatch, ep[k].rtt_p50_us,
					ep[k].rtt_p99_us);
	int rc = sq_write_atomic(path, buf, len, err);
	free(buf);
	return rc;
}

int cmd_hil(int argc, char **argv)
{
	static const struct option opts[] = {
		{"env", required_argument, NULL, 'e'},
		{"episodes", required_argument, NULL, 'n'},
		{"device", required_argument, NULL, 'd'},
		{"seed", required_argument, NULL, 's'},
		{"log", required_argument, NULL, 'l'},
		CLI_DEVICE_OPTIONS,
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *env_name = NULL, *spec = NULL, *log_path = NULL, *path;
	uint32_t episodes = 0;
	uint64_t seed = 7;
	int json = 0, c, dr, rc = 1;
	sq_device_opts o;
	sq_err err;

	sq_device_opts_default(&o);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'e': env_name = optarg; break;
		case 'd': spec = optarg; break;
		case 'l': log_path = optarg; break;
		case 'j': json = 1; break;
		case 'n':
			if (cli_parse_u32(optarg, 1, 100000, &episodes))
				return cli_usage_error("hil", "--episodes '%s': expected 1..100000", optarg);
			break;
		case 's':
			if (cli_parse_u64(optarg, &seed))
				return cli_usage_error("hil", "--seed '%s': expected an unsigned integer",
						       optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case ':':
			return cli_usage_error("hil", "%s needs a value", argv[optind - 1]);
		default:
			if ((dr = cli_device_option("hil", c, optarg, &o)) >= 0) {
				if (dr)
					return dr;
				break;
			}
			return cli_usage_error("hil", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("hil", "expected one model file");
	path = argv[optind];
	if (!env_name || !spec || !episodes)
		return cli_usage_error("hil", "--env, --episodes and --device are required");
	const sq_env_spec *env = sq_env_find(env_name);
	if (!env)
		return cli_usage_error("hil", "--env '%s': expected one of %s", env_name,
				       sq_env_names());

	sq_model *m = NULL;
	sq_device *d = NULL;
	sq_golden_ws *ws = malloc(sizeof(*ws));
	ep_result *ep = calloc(episodes, sizeof(*ep));
	int64_t *rtt = NULL, *all_rtt = NULL;
	size_t all_n = 0, all_cap = 0;
	uint32_t id;
	if (!ws || !ep) {
		cli_error("hil", "out of memory");
		goto out;
	}
	if (sqm_read_file(path, &m, &err) || sq_device_file_model_id(path, &id, &err)) {
		cli_error("hil", "%s", err.msg);
		goto out;
	}
	if (!(m->flags & SQM_FIXED)) {
		cli_error("hil", "%s: no fixed-point payload (run sparq compress first)", path);
		goto out;
	}
	uint32_t in_dim = m->dims[0], out_dim = m->dims[m->n_layers];
	if (in_dim != env->obs_dim || out_dim != env->n_actions) {
		cli_error("hil", "%s has %u inputs and %u actions; %s has %u and %u", path, in_dim,
			  out_dim, env->name, env->obs_dim, env->n_actions);
		goto out;
	}
	if (sq_device_open(spec, &o, &d, &err)) {
		cli_error("hil", "%s", err.msg);
		goto out;
	}
	const sq_link_info *in = sq_device_get_info(d);
	if (in->in_dim != in_dim || in->out_dim != out_dim) {
		cli_error("hil", "device %s runs a %u-in %u-out model; %s is %u-in %u-out", spec,
			  in->in_dim, in->out_dim, path, in_dim, out_dim);
		goto out;
	}
	if (in->model_id != id)
		fprintf(stderr, "sparq hil: warning: device model id 0x%08x, %s is 0x%08x "
				"(sparq load it first); checking actions against %s\n",
			in->model_id, path, id, path);
	sq_link_stats st0, st1;
	if (sq_device_stats(d, &st0, &err)) {
		cli_error("hil", "%s", err.msg);
		goto out;
	}
	sq_device_counters c0 = *sq_device_get_counters(d);

	sq_env e;
	sq_env_init(&e, env, seed);
	uint64_t steps = 0, diverged = 0, q_mismatch = 0, cycles_sum = 0;
	uint32_t done_eps = 0;
	double sum = 0;
	bool q_check = in->ACCW <= 32;
	int64_t t_start = sq_now_ns();
	int fail = 0;
	for (uint32_t k = 0; k < episodes && !fail; k++) {
		float ob[SQ_ENV_MAX_OBS];
		double obs[SQ_ENV_MAX_OBS];
		int32_t q[SQ_MAX_DIM], qdev[SQ_LINK_MAX_OUT];
		int64_t qv[SQ_MAX_DIM];
		bool te = false, tr = false;
		size_t ep_n = 0, ep_cap = 0;
		free(rtt);
		rtt = NULL;
		sq_env_reset(&e, ob);
		while (!te && !tr) {
			for (uint32_t i = 0; i < env->obs_dim; i++)
				obs[i] = ob[i];
			sq_quantize_obs(m, obs, q);
			uint32_t g = sq_golden_infer(m, q, qv, ws, NULL);
			uint16_t a;
			uint32_t cyc;
			int64_t t0 = sq_now_ns();
			if (sq_device_infer(d, q, &a, &cyc, qdev, &err)) {
				cli_error("hil", "episode %u step %u: %s", k, ep[k].steps, err.msg);
				fail = 1;
				break;
			}
			int64_t dt = sq_now_ns() - t0;
			if (ep_n == ep_cap) {
				ep_cap = ep_cap ? 2 * ep_cap : 1024;
				int64_t *nr = realloc(rtt, ep_cap * sizeof(*rtt));
				if (!nr) {
					cli_error("hil", "out of memory");
					fail = 1;
					break;
				}
				rtt = nr;
			}
			rtt[ep_n++] = dt;
			if (a != g)
				ep[k].diverged++;
			if (q_check)
				for (uint32_t i = 0; i < out_dim; i++)
					if ((int64_t)qdev[i] != qv[i]) {
						ep[k].q_mismatch++;
						break;
					}
			cycles_sum += cyc;
			ep[k].steps++;
			ep[k].ret += sq_env_step(&e, a, ob, &te, &tr);
		}
		if (fail)
			break;
		if (all_n + ep_n > all_cap) {
			all_cap = (all_n + ep_n) * 2;
			int64_t *na = realloc(all_rtt, all_cap * sizeof(*all_rtt));
			if (!na) {
				cli_error("hil", "out of memory");
				fail = 1;
				break;
			}
			all_rtt = na;
		}
		memcpy(all_rtt + all_n, rtt, ep_n * sizeof(*rtt));
		all_n += ep_n;
		qsort(rtt, ep_n, sizeof(*rtt), cmp_i64);
		ep[k].rtt_p50_us = pct(rtt, ep_n, 50) / 1e3;
		ep[k].rtt_p99_us = pct(rtt, ep_n, 99) / 1e3;
		steps += ep[k].steps;
		diverged += ep[k].diverged;
		q_mismatch += ep[k].q_mismatch;
		sum += ep[k].ret;
		done_eps++;
	}
	double secs = (double)(sq_now_ns() - t_start) / 1e9;
	if (log_path && done_eps && write_log(log_path, ep, done_eps, seed, &err)) {
		cli_error("hil", "%s", err.msg);
		goto out;
	}
	if (fail)
		goto out;
	if (sq_device_stats(d, &st1, &err)) {
		cli_error("hil", "%s", err.msg);
		goto out;
	}
	const sq_device_counters *c1 = sq_device_get_counters(d);
	qsort(all_rtt, all_n, sizeof(*all_rtt), cmp_i64);
	double p50 = pct(all_rtt, all_n, 50) / 1e3, p99 = pct(all_rtt, all_n, 99) / 1e3;
	uint32_t req_b = wire_bytes(sq_link_infer_req_len(in_dim, in->AW));
	uint32_t resp_b = wire_bytes(sq_link_infer_resp_len(out_dim));
	uint32_t bytes = req_b + resp_b;
	double cyc_mean = steps ? (double)cycles_sum / (double)steps : 0;
	double step_s = in->baud && in->clk_hz
				? (double)bytes * 10.0 / in->baud + cyc_mean / in->clk_hz
				: 0;
	double bound = step_s > 0 ? 1.0 / step_s : 0;
	double sps = secs > 0 ? (double)steps / secs : 0;
	uint64_t retx = c1->retransmits - c0.retransmits;
	uint32_t dev_crc = st1.crc_errors - st0.crc_errors;
	uint32_t dev_fr = st1.framing_errors - st0.framing_errors;

	if (json) {
		printf("{\"model\":");
		cli_json_string(stdout, path);
		printf(",\"model_id\":%u,\"device\":", id);
		cli_json_string(stdout, spec);
		printf(",\"env\":\"%s\",\"episodes\":%u,\"seed\":%llu,\"returns\":[", env->name,
		       episodes, (unsigned long long)seed);
		for (uint32_t k = 0; k < episodes; k++)
			printf("%s%.17g", k ? "," : "", ep[k].ret);
		printf("],\"mean\":%.17g,\"steps\":%llu,\"divergences\":%llu,"
		       "\"q_mismatches\":%llu,\"seconds\":%.6f,\"steps_per_s\":%.3f,"
		       "\"rtt_p50_us\":%.1f,\"rtt_p99_us\":%.1f,\"bytes_per_step\":%u,"
		       "\"request_bytes\":%u,\"response_bytes\":%u,\"cycles_mean\":%.2f,"
		       "\"clk_hz\":%u,\"baud\":%u,\"link_bound_steps_per_s\":%.3f,"
		       "\"ratio_to_bound\":%.4f,\"retransmits\":%llu,\"device_crc_errors\":%u,"
		       "\"device_framing_errors\":%u}\n",
		       sum / episodes, (unsigned long long)steps, (unsigned long long)diverged,
		       (unsigned long long)q_mismatch, secs, sps, p50, p99, bytes, req_b, resp_b,
		       cyc_mean, in->clk_hz, in->baud, bound, bound > 0 ? sps / bound : 0,
		       (unsigned long long)retx, dev_crc, dev_fr);
	} else {
		printf("hil %s on %s via %s, %u episodes from seed %llu\n", path, env->name, spec,
		       episodes, (unsigned long long)seed);
		printf("  returns       mean %.3f:", sum / episodes);
		for (uint32_t k = 0; k < episodes && k < 20; k++)
			printf(" %g", ep[k].ret);
		printf("%s\n", episodes > 20 ? " ..." : "");
		printf("  divergences   %llu actions, %llu Q-vectors%s (of %llu steps)\n",
		       (unsigned long long)diverged, (unsigned long long)q_mismatch,
		       q_check ? "" : " (not checked: ACCW > 32)", (unsigned long long)steps);
		printf("  steps/s       %.1f (link bound %.1f at %u baud, %u Hz; ratio %.3f)\n", sps,
		       bound, in->baud, in->clk_hz, bound > 0 ? sps / bound : 0);
		printf("  rtt           p50 %.1f us, p99 %.1f us\n", p50, p99);
		printf("  bytes/step    %u (request %u + response %u), core cycles %.1f\n", bytes,
		       req_b, resp_b, cyc_mean);
		printf("  line          %llu retransmits; device saw %u CRC, %u framing errors\n",
		       (unsigned long long)retx, dev_crc, dev_fr);
	}
	rc = diverged ? 1 : 0;
	if (diverged)
		cli_error("hil", "%llu of %llu actions differ from the golden model",
			  (unsigned long long)diverged, (unsigned long long)steps);
out:
	sq_device_close(d);
	sq_model_free(m);
	free(ws);
	free(ep);
	free(rtt);
	free(all_rtt);
	return rc;
}
