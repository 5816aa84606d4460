/*
 * cmd_sweep.c - `sparq sweep`: compress a float model to every point of a
 * sparsity x weight-bits grid, evaluate each, and print the trade-off table
 * (plus a gnuplot PNG of return against model bytes).
 *
 * Sparsities are visited in increasing order by one compressor, so the
 * network is pruned once through the grid (each target continues from the
 * previous one); every weight width quantizes the same pruned network.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_compress_opts.h"
#include "compress.h"
#include "env.h"
#include "eval.h"
#include "sqm.h"

SQ_COMMAND(sweep, "compress to a sparsity x bits grid and tabulate return against bytes")

#define CMD "sweep"
#define MAX_GRID 32

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sparq sweep MODEL.sqm [options]\n"
		"\n"
		"Compresses the float network of MODEL.sqm to every grid point, evaluates\n"
		"each fixed-point model with greedy episodes, and prints sparsity, bits,\n"
		"mean return, agreement with the float actions, packed bytes and bits per\n"
		"nonzero; plots return against bytes with gnuplot.\n"
		"\n"
		"      --sparsity LIST      comma-separated, each 0..1 (0.5,0.8,0.9,0.95,0.98)\n"
		"      --wbits LIST         comma-separated, each 2..16 (2,4,8)\n"
		"      --abits N            activation bits, 2..16 (8)\n"
		"      --env NAME           task (default: the model's 'env' metadata)\n"
		"      --eval-episodes N    greedy episodes per point (20)\n"
		"      --prune M, --scope S, --iterations K, --finetune-steps N, --qat,\n"
		"      --qat-steps N, --calib-states N, --init-steps N, --seed S\n"
		"                           as for 'sparq compress'\n"
		"      --plot FILE          PNG of return against bytes (sweep.png)\n"
		"      --no-plot            no plot\n"
		"      --save DIR           also write each model as DIR/s<S>-w<W>.sqm\n"
		"      --json               one JSON object on stdout\n"
		"  -q, --quiet              no progress lines on stderr\n");
}

static void progress(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

struct point {
	double sparsity, achieved;
	unsigned wbits;
	sq_eval_result ev;
	double agree;
	sq_compress_size sz;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Writes the data and a gnuplot script to temporary files and runs gnuplot.
 * Returns 0, or -1 with a reason on stderr (the table is still printed). */
static int plot(const char *png, const struct point *pt, size_t n, size_t nw,
		const unsigned *wb, const sq_eval_result *ref, uint64_t dense, const char *title)
{
	char dat[] = "/tmp/sparq-sweep-XXXXXX";
	int fd = mkstemp(dat);
	if (fd < 0)
		return cli_error(CMD, "plot: cannot create a temporary file"), -1;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(dat);
		return -1;
	}
	/* one block per weight width: bytes, return, in order of bytes */
	for (size_t w = 0; w < nw; w++) {
		/* selection by (bytes, index): ties keep their order */
		uint64_t lb = 0;
		size_t li = SIZE_MAX;
		for (;;) {
			size_t best = n;
			for (size_t i = 0; i < n; i++) {
				uint64_t b = pt[i].sz.packed_bytes;
				bool after = li == SIZE_MAX || b > lb || (b == lb && i > li);
				if (pt[i].wbits == wb[w] && after &&
				    (best == n || b < pt[best].sz.packed_bytes))
					best = i;
			}
			if (best == n)
				break;
			lb = pt[best].sz.packed_bytes;
			li = best;
			fprintf(f, "%llu %.4f %.3f\n", (unsigned long long)lb, pt[best].ev.mean,
				pt[best].achieved);
		}
		fprintf(f, "\n\n");
	}
	fprintf(f, "%llu %.4f 0\n", (unsigned long long)dense, ref->mean);
	fclose(f);
	char cmd[4096];
	int len = snprintf(cmd, sizeof cmd,
		"gnuplot -e \"set terminal pngcairo size 900,600; set output '%s'; "
		"set title '%s: return against model bytes'; set xlabel 'model bytes (packed, index bits included)'; "
		"set ylabel 'mean return'; set logscale x; set grid; set key bottom right; "
		"plot ", png, title);
	for (size_t w = 0; w < nw && len > 0 && (size_t)len < sizeof cmd; w++)
		len += snprintf(cmd + len, sizeof cmd - (size_t)len,
				"'%s' index %zu using 1:2 with linespoints title '%u-bit weights', ",
				dat, w, wb[w]);
	if (len > 0 && (size_t)len < sizeof cmd)
		len += snprintf(cmd + len, sizeof cmd - (size_t)len,
				"'%s' index %zu using 1:2 with points pt 7 ps 1.5 title 'dense float32'\" 2>&1",
				dat, nw);
	int rc = -1;
	if (len > 0 && (size_t)len < sizeof cmd) {
		FILE *p = popen(cmd, "r");
		if (p) {
			char line[256];
			while (fgets(line, sizeof line, p))
				fprintf(stderr, "gnuplot: %s", line);
			rc = pclose(p) == 0 ? 0 : -1;
		}
	}
	unlink(dat);
	if (rc)
		cli_error(CMD, "plot: gnuplot failed (is it installed? scripts/install-deps.sh); table only");
	return rc;
}

int cmd_sweep(int argc, char **argv)
{
	enum { O_SPARSITY = 256, O_WBITS, O_ABITS, O_ENV, O_EVAL,
	       O_SEED, O_PLOT, O_NOPLOT, O_SAVE,
	       O_JSON, O_HELP };
	static const struct option opts[] = {
		{ "sparsity", required_argument, 0, O_SPARSITY },
		{ "wbits", required_argument, 0, O_WBITS },
		{ "abits", required_argument, 0, O_ABITS },
		{ "env", required_argument, 0, O_ENV },
		{ "eval-episodes", required_argument, 0, O_EVAL },
		{ "seed", required_argument, 0, O_SEED },
		{ "plot", required_argument, 0, O_PLOT },
		{ "no-plot", no_argument, 0, O_NOPLOT },
		{ "save", required_argument, 0, O_SAVE },
		{ "json", no_argument, 0, O_JSON },
		CLI_COMPRESS_OPTIONS,
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, O_HELP },
		{ 0, 0, 0, 0 },
	};
	double sp[MAX_GRID] = { 0.5, 0.8, 0.9, 0.95, 0.98 };
	uint32_t wb[MAX_GRID] = { 2, 4, 8 };
	size_t nsp = 5, nwb = 3;
	uint32_t abits = 8, episodes = 20;
	const char *env_name = NULL, *png = "sweep.png", *save = NULL;
	bool json = false, quiet = false;
	sq_compress_opts o;
	int c, dr, rc = 1;

	sq_compress_opts_init(&o);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		switch (c) {
		case O_SPARSITY:
			if (cli_parse_double_list(optarg, sp, MAX_GRID, &nsp))
				return cli_usage_error(CMD, "--sparsity '%s': expected up to %d numbers", optarg, MAX_GRID);
			for (size_t i = 0; i < nsp; i++)
				if (!(sp[i] >= 0.0 && sp[i] <= 1.0))
					return cli_usage_error(CMD, "--sparsity: %g is outside 0..1", sp[i]);
			break;
		case O_WBITS:
			if (cli_parse_u32_list(optarg, 2, 16, wb, MAX_GRID, &nwb))
				return cli_usage_error(CMD, "--wbits '%s': expected a list of 2..16", optarg);
			break;
		case O_ABITS:
			if (cli_parse_u32(optarg, 2, 16, &abits))
				return cli_usage_error(CMD, "--abits '%s': expected 2..16", optarg);
			break;
		case O_ENV: env_name = optarg; break;
		case O_EVAL:
			if (cli_parse_u32(optarg, 1, 1000000, &episodes))
				return cli_usage_error(CMD, "--eval-episodes '%s': expected 1..1000000", optarg);
			break;
		case O_SEED:
			if (cli_parse_u64(optarg, &o.seed))
				return cli_usage_error(CMD, "--seed '%s': expected an unsigned integer", optarg);
			break;
		case O_PLOT: png = optarg; break;
		case O_NOPLOT: png = NULL; break;
		case O_SAVE: save = optarg; break;
		case O_JSON: json = true; break;
		case 'q': quiet = true; break;
		case O_HELP: usage(stdout); return 0;
		default:
			if ((dr = cli_compress_option(CMD, c, optarg, &o)) >= 0) {
				if (dr)
					return dr;
				break;
			}
			return cli_usage_error(CMD, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error(CMD, "missing the model");
	if (optind + 1 < argc)
		return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind + 1]);
	const char *in_path = argv[optind];
	if (!quiet)
		o.progress = progress;
	qsort(sp, nsp, sizeof sp[0], cmp_double);

	sq_model *in = NULL;
	sq_compressor *cp = NULL;
	struct point *pt = calloc(nsp * nwb, sizeof *pt);
	size_t np = 0;
	sq_err err;
	sq_eval_result ref;
	if (!pt)
		return cli_error(CMD, "out of memory");
	if (sqm_read_file(in_path, &in, &err)) {
		cli_error(CMD, "%s", err.msg);
		goto out_free;
	}
	if (!env_name)
		env_name = sq_meta_get(in, "env");
	const sq_env_spec *env = env_name ? sq_env_find(env_name) : NULL;
	if (!env) {
		cli_error(CMD, "%s: unknown or missing environment '%s'; name it with --env (%s)",
			  in_path, env_name ? env_name : "", sq_env_names());
		goto out_free;
	}
	uint64_t es = o.seed + 1000;
	if (sq_compressor_new(in, env, &o, &cp, &err) ||
	    sq_eval_model(in, SQ_EVAL_FLOAT, env, episodes, es, NULL, 0, &ref, NULL, &err)) {
		cli_error(CMD, "%s: %s", in_path, err.msg);
		goto out_free;
	}
	for (size_t i = 0; i < nsp; i++) {
		if (!quiet)
			fprintf(stderr, "sparsity %.4f\n", sp[i]);
		if (sq_compressor_prune_to(cp, sp[i], &err)) {
			cli_error(CMD, "sparsity %g: %s", sp[i], err.msg);
			goto out_free;
		}
		for (size_t w = 0; w < nwb; w++) {
			sq_model *m = NULL;
			struct point *p = &pt[np];
			sq_eval_result a;
			if (sq_compressor_quantize(cp, wb[w], abits, &m, &err) ||
			    sq_eval_model(m, SQ_EVAL_FIXED, env, episodes, es, NULL, 0, &p->ev, NULL, &err) ||
			    sq_eval_model(in, SQ_EVAL_FLOAT, env, episodes, es, m, SQ_EVAL_FIXED, &a, NULL, &err)) {
				cli_error(CMD, "sparsity %g, %u bits: %s", sp[i], wb[w], err.msg);
				sq_model_free(m);
				goto out_free;
			}
			p->sparsity = sp[i];
			p->wbits = wb[w];
			p->agree = a.steps ? (double)a.agree / (double)a.steps : 0.0;
			sq_compress_size_of(m, &p->sz);
			p->achieved = 1.0 - (double)p->sz.nnz / (double)p->sz.weights;
			if (!quiet)
				fprintf(stderr, "  w%u: return %.1f, agreement %.4f, %llu bytes\n", wb[w],
					p->ev.mean, p->agree, (unsigned long long)p->sz.packed_bytes);
			if (save) {
				char path[4096];
				snprintf(path, sizeof path, "%s/s%.3f-w%u.sqm", save, sp[i], wb[w]);
				if (sq_meta_set(m, "env", env->name, &err) ||
				    sqm_write_file(m, path, &err)) {
					cli_error(CMD, "%s", err.msg);
					sq_model_free(m);
					goto out_free;
				}
			}
			sq_model_free(m);
			np++;
		}
	}
	sq_compress_size dsz;
	sq_compress_size_of(in, &dsz);
	if (json) {
		printf("{\"model\":");
		cli_json_string(stdout, in_path);
		printf(",\"env\":");
		cli_json_string(stdout, env->name);
		printf(",\"abits\":%u,\"eval_episodes\":%u,\"eval_seed\":%llu,\"seed\":%llu,"
		       "\"reference\":{\"mean\":%.4f,\"std\":%.4f,\"dense_bytes\":%llu},\"points\":[",
		       abits, episodes, (unsigned long long)es, (unsigned long long)o.seed, ref.mean,
		       ref.std, (unsigned long long)dsz.dense_bytes);
		for (size_t i = 0; i < np; i++)
			printf("%s{\"sparsity\":%.4f,\"sparsity_achieved\":%.6f,\"wbits\":%u,"
			       "\"mean\":%.4f,\"std\":%.4f,\"min\":%.4f,\"max\":%.4f,\"agreement\":%.6f,"
			       "\"nnz\":%llu,\"bytes\":%llu,\"bits_per_nnz\":%.3f,\"ratio\":%.3f}",
			       i ? "," : "", pt[i].sparsity, pt[i].achieved, pt[i].wbits, pt[i].ev.mean,
			       pt[i].ev.std, pt[i].ev.min, pt[i].ev.max, pt[i].agree,
			       (unsigned long long)pt[i].sz.nnz,
			       (unsigned long long)pt[i].sz.packed_bytes, pt[i].sz.bits_per_nnz,
			       (double)dsz.dense_bytes / (double)pt[i].sz.packed_bytes);
		printf("]}\n");
	} else {
		printf("%s (%s), %u greedy episodes per point, seed %llu, %u-bit activations\n",
		       in_path, env->name, episodes, (unsigned long long)es, abits);
		printf("reference float: return %.2f +- %.2f, %llu bytes dense float32\n\n", ref.mean,
		       ref.std, (unsigned long long)dsz.dense_bytes);
		printf("%8s %6s %10s %8s %9s %8s %7s %7s\n", "sparsity", "wbits", "return", "std",
		       "agreement", "bytes", "ratio", "bits/nz");
		for (size_t i = 0; i < np; i++)
			printf("%8.4f %6u %10.2f %8.2f %9.4f %8llu %6.1fx %7.2f\n", pt[i].achieved,
			       pt[i].wbits, pt[i].ev.mean, pt[i].ev.std, pt[i].agree,
			       (unsigned long long)pt[i].sz.packed_bytes,
			       (double)dsz.dense_bytes / (double)pt[i].sz.packed_bytes,
			       pt[i].sz.bits_per_nnz);
	}
	if (png) {
		unsigned wbu[MAX_GRID];
		for (size_t w = 0; w < nwb; w++)
			wbu[w] = wb[w];
		if (plot(png, pt, np, nwb, wbu, &ref, dsz.dense_bytes, env->name) == 0 && !quiet)
			fprintf(stderr, "plot: %s\n", png);
	}
	rc = 0;
out_free:
	sq_compressor_free(cp);
	sq_model_free(in);
	free(pt);
	return rc;
}
