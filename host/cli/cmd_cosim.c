/*
 * cmd_cosim.c - `sparq cosim`: bit-exact co-simulation of the RTL core
 * (rtl/sq_core.v under Verilator) against the golden model.
 *
 * The harness (sim/sq_cosim.cpp) is built once per configuration under
 * <build>/sim/<config>/ by `make cosim-build` (mk/cosim.mk); this command
 * checks that the model fits the configuration, has make bring that build up
 * to date (quietly; a no-op when it is), and then runs it in place of itself.
 * <build> is the folder this binary sits in (<build>/bin/sparq), or
 * $SPARQ_BUILD_DIR; the source tree is the folder above it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "export.h"
#include "sqm.h"

SQ_COMMAND(cosim, "co-simulate the RTL core against the golden model (Verilator)")

static const char usage_text[] =
	"usage: sparq cosim MODEL.sqm [options]\n"
	"\n"
	"Runs the model on rtl/sq_core.v under Verilator and compares the action and\n"
	"every Q-value (and every hidden round result) with the golden model, with\n"
	"random input gaps and result backpressure. Exit 0 only with no mismatch.\n"
	"The harness is built per configuration under build/sim/<config>/ on first use.\n"
	"\n"
	"  --vectors N        test vectors from sq_make_vectors (default 2000)\n"
	"  --seed S           vector seed (default 1)\n"
	"  --lanes P          lanes, 1..16 (default: the model's \"lanes\" metadata, else 8)\n"
	"  --aw, --ww, --accw, --maxw, --maxl, --lg-wd, --lg-rd N\n"
	"                     other core parameters (defaults of rtl/sq_core.v)\n"
	"  --wmem ebr|spram   weight memory of the core: block RAM (default) or iCE40\n"
	"                     SPRAM (rtl/sq_wmem.v WMEM=1); the model goes in through\n"
	"                     the load port either way\n"
	"  --no-stress        no input gaps or backpressure (cycle figures)\n"
	"  --no-simplify      compute every row: no constant folding or dead-row\n"
	"                     removal at export (the core's raw cycle_ratio)\n"
	"  --keep-shape       simplify, but keep removed rows in the layout as padding\n"
	"                     rows: the layer table of the model's shape (bitstreams)\n"
	"  --inject weight|round|early\n"
	"                     make the comparison fail on purpose: flip one stored weight,\n"
	"                     use floor instead of round-half-up in the reference, or\n"
	"                     schedule reads a cycle before the words they need are written\n"
	"  --wave             write a VCD of the whole run (keep --vectors small)\n"
	"  --json             one JSON object: vectors, mismatches, cycles_min/mean/max,\n"
	"                     cycles_schedule (the exporter's count, never stalled),\n"
	"                     cycles_bound, cycle_ratio, cycles_bound_kept (over the\n"
	"                     weights stored after simplification), cycle_ratio_kept,\n"
	"                     rows_const, rows_dead, lanes, config, speed\n";

/* Must match CS_CFG in mk/cosim.mk. */
static void cfg_name(const sq_hwcfg *c, bool spram, char *buf, size_t n)
{
	snprintf(buf, n, "p%u-aw%u-ww%u-acc%u-w%u-l%u-wd%u-rd%u%s", c->P, c->AW, c->WW, c->ACCW,
		 c->MAXW, c->MAXL, c->LG_WD, c->LG_RD, spram ? "-spram" : "");
}

/* <build>: $SPARQ_BUILD_DIR if set (tests that run a private copy of this
 * binary), else from /proc/self/exe (<build>/bin/sparq). */
static int build_dir(char *out, size_t n)
{
	char exe[PATH_MAX];
	const char *env = getenv("SPARQ_BUILD_DIR");
	if (env && *env) {
		if (!realpath(env, exe) || strlen(exe) + 1 > n)
			return -1;
		strcpy(out, exe);
		return 0;
	}
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len <= 0)
		return -1;
	exe[len] = '\0';
	for (int i = 0; i < 2; i++) {
		char *slash = strrchr(exe, '/');
		if (!slash)
			return -1;
		*slash = '\0';
	}
	if (strlen(exe) + 1 > n)
		return -1;
	strcpy(out, exe);
	return 0;
}

/* Runs make for the configuration; its output goes to log. Returns make's
 * exit status, or -1 when it could not be started. */
static int run_make(const char *root, const char *build, const sq_hwcfg *c, bool spram,
		    const char *log)
{
	char a[9][64], bopt[PATH_MAX + 16];
	snprintf(bopt, sizeof bopt, "BUILD=%s", build);
	snprintf(a[0], sizeof a[0], "CS_P=%u", c->P);
	snprintf(a[1], sizeof a[1], "CS_AW=%u", c->AW);
	snprintf(a[2], sizeof a[2], "CS_WW=%u", c->WW);
	snprintf(a[3], sizeof a[3], "CS_ACCW=%u", c->ACCW);
	snprintf(a[4], sizeof a[4], "CS_MAXW=%u", c->MAXW);
	snprintf(a[5], sizeof a[5], "CS_MAXL=%u", c->MAXL);
	snprintf(a[6], sizeof a[6], "CS_LG_WD=%u", c->LG_WD);
	snprintf(a[7], sizeof a[7], "CS_LG_RD=%u", c->LG_RD);
	snprintf(a[8], sizeof a[8], "CS_WMEM=%d", spram ? 1 : 0);
	char *argv[] = { "make", "--no-print-directory", "-C", (char *)root, bopt, "cosim-build",
			 a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], NULL };
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execvp("make", argv);
		_exit(127);
	}
	int st = 0;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void print_log_tail(const char *log)
{
	FILE *f = fopen(log, "r");
	char line[512];
	if (!f)
		return;
	while (fgets(line, sizeof line, f))
		if (!strstr(line, "warning: overriding recipe") && !strstr(line, "warning: ignoring old recipe"))
			fprintf(stderr, "  %s", line);
	fclose(f);
}

int cmd_cosim(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "vectors", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "lanes", required_argument, NULL, 'p' },
		{ "aw", required_argument, NULL, 1 },
		{ "ww", required_argument, NULL, 2 },
		{ "accw", required_argument, NULL, 3 },
		{ "maxw", required_argument, NULL, 4 },
		{ "maxl", required_argument, NULL, 5 },
		{ "lg-wd", required_argument, NULL, 6 },
		{ "lg-rd", required_argument, NULL, 7 },
		{ "no-stress", no_argument, NULL, 8 },
		{ "inject", required_argument, NULL, 9 },
		{ "wave", no_argument, NULL, 10 },
		{ "json", no_argument, NULL, 11 },
		{ "wmem", required_argument, NULL, 12 },
		{ "no-simplify", no_argument, NULL, 13 },
		{ "keep-shape", no_argument, NULL, 14 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t vectors = 2000, lanes = 0, v;
	uint64_t seed = 1;
	uint32_t *cfgv[7];
	uint32_t lo[7] = { 2, 2, 8, 1, 1, 1, 1 }, hi[7] = { 16, 16, 48, SQ_MAX_DIM, SQ_MAX_LAYERS, 16, 16 };
	const char *names[7] = { "aw", "ww", "accw", "maxw", "maxl", "lg-wd", "lg-rd" };
	bool set[7] = { false };
	uint32_t val[7] = { 0 };
	bool stress = true, wave = false, json = false, spram = false, keep_all = false;
	bool keep_shape = false;
	const char *inject = NULL;
	int opt, rc = 1;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if (cli_parse_u32(optarg, 1, 100000000, &vectors))
				return cli_usage_error("cosim", "--vectors '%s': expected 1..100000000", optarg);
			break;
		case 's':
			if (cli_parse_u64(optarg, &seed))
				return cli_usage_error("cosim", "--seed '%s': expected an unsigned integer", optarg);
			break;
		case 'p':
			if (cli_parse_u32(optarg, 1, 16, &lanes))
				return cli_usage_error("cosim", "--lanes '%s': expected 1..16", optarg);
			break;
		case 1: case 2: case 3: case 4: case 5: case 6: case 7:
			if (cli_parse_u32(optarg, lo[opt - 1], hi[opt - 1], &v))
				return cli_usage_error("cosim", "--%s '%s': expected %u..%u", names[opt - 1],
						       optarg, lo[opt - 1], hi[opt - 1]);
			set[opt - 1] = true;
			val[opt - 1] = v;
			break;
		case 8:
			stress = false;
			break;
		case 9:
			if (strcmp(optarg, "weight") && strcmp(optarg, "round") && strcmp(optarg, "early"))
				return cli_usage_error("cosim", "--inject '%s': expected weight, round or early", optarg);
			inject = optarg;
			break;
		case 10:
			wave = true;
			break;
		case 11:
			json = true;
			break;
		case 12:
			if (strcmp(optarg, "ebr") && strcmp(optarg, "spram"))
				return cli_usage_error("cosim", "--wmem '%s': expected ebr or spram", optarg);
			spram = !strcmp(optarg, "spram");
			break;
		case 13:
			keep_all = true;
			break;
		case 14:
			keep_shape = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return cli_usage_error("cosim", "unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("cosim", "expected one model file, got %d arguments", argc - optind);
	if (keep_all && keep_shape)
		return cli_usage_error("cosim", "--no-simplify and --keep-shape exclude each other");
	const char *path = argv[optind];

	sq_err err;
	sq_model *m = NULL;
	sq_image *img = NULL;
	if (sqm_read_file(path, &m, &err) < 0)
		return cli_error("cosim", "%s", err.msg);
	if (!(m->flags & SQM_FIXED)) {
		rc = cli_error("cosim", "%s: no fixed-point payload to simulate", path);
		goto out_model;
	}
	if (lanes == 0) {
		const char *ml = sq_meta_get(m, "lanes");
		if (!ml || cli_parse_u32(ml, 1, 16, &lanes))
			lanes = 8;
	}
	sq_hwcfg cfg;
	sq_hwcfg_default(&cfg, lanes);
	cfgv[0] = &cfg.AW; cfgv[1] = &cfg.WW; cfgv[2] = &cfg.ACCW; cfgv[3] = &cfg.MAXW;
	cfgv[4] = &cfg.MAXL; cfgv[5] = &cfg.LG_WD; cfgv[6] = &cfg.LG_RD;
	for (int i = 0; i < 7; i++)
		if (set[i])
			*cfgv[i] = val[i];
	if (cfg.ACCW < cfg.AW) {
		rc = cli_error("cosim", "--accw %u is below --aw %u (the core needs ACCW >= AW)",
			       cfg.ACCW, cfg.AW);
		goto out_model;
	}
	char name[128];
	cfg_name(&cfg, spram, name, sizeof name);
	if (sq_export_image_opt(m, &cfg, keep_all ? SQ_EXPORT_KEEP_ALL :
				keep_shape ? SQ_EXPORT_KEEP_SHAPE : 0, &img, &err) < 0) {
		rc = cli_error("cosim", "%s does not fit configuration %s: %s", path, name, err.msg);
		goto out_model;
	}
	sq_image_free(img);

	char build[PATH_MAX], root[PATH_MAX + 8], dir[PATH_MAX + 160], bin[PATH_MAX + 200],
	     log[PATH_MAX + 200];
	if (build_dir(build, sizeof build)) {
		rc = cli_error("cosim", "cannot locate the build folder from /proc/self/exe");
		goto out_model;
	}
	snprintf(root, sizeof root, "%s/..", build);
	snprintf(dir, sizeof dir, "%s/sim/%s", build, name);
	snprintf(bin, sizeof bin, "%s/sq_cosim", dir);
	snprintf(log, sizeof log, "%s/sim/%s.make.log", build, name);
	char simdir[PATH_MAX + 8];
	snprintf(simdir, sizeof simdir, "%s/sim", build);
	if (mkdir(simdir, 0755) && errno != EEXIST) {
		rc = cli_error("cosim", "cannot create %s: %s", simdir, strerror(errno));
		goto out_model;
	}
	int mk = run_make(root, build, &cfg, spram, log);
	if (mk != 0) {
		rc = cli_error("cosim", "building the harness for %s failed (make exit %d, log %s)",
			       name, mk, log);
		print_log_tail(log);
		goto out_model;
	}
	sq_model_free(m);
	m = NULL;

	char nv[16], ns[24];
	snprintf(nv, sizeof nv, "%u", vectors);
	snprintf(ns, sizeof ns, "%llu", (unsigned long long)seed);
	char *args[16];
	int n = 0;
	args[n++] = bin;
	args[n++] = (char *)path;
	args[n++] = "--vectors";
	args[n++] = nv;
	args[n++] = "--seed";
	args[n++] = ns;
	args[n++] = "--wave-dir";
	args[n++] = dir;
	args[n++] = "--name";
	args[n++] = "sparq cosim";
	if (json)
		args[n++] = "--json";
	if (wave)
		args[n++] = "--wave";
	if (!stress)
		args[n++] = "--no-stress";
	if (keep_all)
		args[n++] = "--no-simplify";
	else if (keep_shape)
		args[n++] = "--keep-shape";
	if (inject) {
		args[n++] = "--inject";
		args[n++] = (char *)inject;
	}
	args[n] = NULL;
	fflush(stdout);
	execv(bin, args);
	return cli_error("cosim", "cannot run %s: %s", bin, strerror(errno));

out_model:
	sq_model_free(m);
	return rc;
}
