/*
 * cmd_estimate.c - `sparq estimate`: block RAMs, logic, DSPs and cycles of a
 * model on a board, from the resource model (estimate.h), without Yosys.
 */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "estimate.h"
#include "sqm.h"

SQ_COMMAND(estimate, "estimate a model's block RAM, logic, DSPs and cycles on a board")

#define CMD "estimate"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sparq estimate MODEL.sqm [--board B] [options]\n"
		"\n"
		"Estimates what `make BOARD=B MODEL=MODEL.sqm bitstream` would use: block\n"
		"RAMs per memory, logic cells, flip-flops, DSPs, and cycles and latency per\n"
		"inference, from the resource model calibrated against Yosys and nextpnr\n"
		"(docs/autocompress.md). The configuration is derived from the model as\n"
		"the bitstream flow does, with AW/WW the model's widest activations and\n"
		"weights; the options override each parameter.\n"
		"\n"
		"  --board B          %s (icebreaker)\n"
		"  --lanes P          lanes, 1..16 (the board's default)\n"
		"  --aw, --ww N       max activation / weight bits, 2..16\n"
		"  --accw N           accumulator bits, 8..48\n"
		"  --maxw N           max layer width, 1..4096\n"
		"  --maxl N           max layers, 1..16\n"
		"  --lg-wd, --lg-rd N memory depths (log2), 1..16\n"
		"  --clk-mhz X        core clock (the board's default)\n"
		"  --json             one JSON object on stdout\n",
		sq_board_names());
}

static void json_out(const char *path, const sq_estimate *e)
{
	const sq_board *b = e->board;
	const sq_hwcfg *c = &e->cfg;
	printf("{\"model\":");
	cli_json_string(stdout, path);
	printf(",\"board\":\"%s\",\"family\":\"%s\",\"device\":\"%s\"", b->name, b->family,
	       b->device);
	printf(",\"config\":{\"P\":%u,\"AW\":%u,\"WW\":%u,\"ACCW\":%u,\"MAXW\":%u,\"MAXL\":%u,"
	       "\"LG_WD\":%u,\"LG_RD\":%u}",
	       c->P, c->AW, c->WW, c->ACCW, c->MAXW, c->MAXL, c->LG_WD, c->LG_RD);
	printf(",\"memories\":[");
	for (int i = 0; i < SQ_MEM_COUNT; i++) {
		const sq_est_memory *m = &e->mem[i];
		printf("%s{\"name\":\"%s\",\"width\":%u,\"depth\":%u,\"copies\":%u,\"blocks\":%u,"
		       "\"lutram\":%s,\"bits_used\":%llu}",
		       i ? "," : "", m->name, m->width, m->depth, m->copies, m->blocks,
		       m->lutram ? "true" : "false", (unsigned long long)m->bits_used);
	}
	printf("]");
	printf(",\"resources\":{\"ebr\":{\"used\":%u,\"available\":%u},"
	       "\"spram\":{\"used\":%u,\"available\":%u},\"dsp\":{\"used\":%u,\"available\":%u},"
	       "\"lc\":{\"used\":%u,\"available\":%u},\"lut\":%u,\"ff\":%u,\"carry\":%u}",
	       e->ebr, b->ebr, e->spram, b->spram, e->dsp, b->dsp, e->lc, b->lc, e->lut, e->ff,
	       e->carry);
	printf(",\"weight_memory\":\"%s\"", e->wm_spram ? "spram" : "ebr");
	printf(",\"model_bits\":%llu,\"ebr_bits\":%llu,\"weight_words\":%u,\"rounds\":%u,"
	       "\"nonzeros\":%llu",
	       (unsigned long long)e->model_bits, (unsigned long long)e->ebr_bits_used,
	       e->n_words, e->n_rounds, (unsigned long long)e->nnz);
	printf(",\"cycles\":%llu,\"cycles_bound\":%llu,\"clk_mhz\":%.3f,\"latency_us\":%.3f",
	       (unsigned long long)e->cycles, (unsigned long long)e->cycles_bound, e->clk_mhz,
	       e->latency_us);
	printf(",\"fits\":%s,\"why\":", e->fits ? "true" : "false");
	cli_json_string(stdout, e->why);
	printf("}\n");
}

static void text_out(const char *path, const sq_estimate *e)
{
	const sq_board *b = e->board;
	const sq_hwcfg *c = &e->cfg;
	printf("%s on %s (%s %s): P=%u AW=%u WW=%u ACCW=%u MAXW=%u MAXL=%u LG_WD=%u LG_RD=%u\n",
	       path, b->name, b->family, b->device, c->P, c->AW, c->WW, c->ACCW, c->MAXW, c->MAXL,
	       c->LG_WD, c->LG_RD);
	printf("  %-18s %6s %6s %6s %7s %10s\n", "memory", "width", "depth", "copies", "blocks",
	       "bits used");
	for (int i = 0; i < SQ_MEM_COUNT; i++) {
		const sq_est_memory *m = &e->mem[i];
		printf("  %-18s %6u %6u %6u %7u%s %10llu\n", m->name, m->width, m->depth, m->copies,
		       m->blocks, m->lutram ? "L" : " ", (unsigned long long)m->bits_used);
	}
	printf("  block RAM   %4u / %u\n", e->ebr, b->ebr);
	printf("  logic cells %4u / %u  (%u LUT4, %u FF, %u carry)\n", e->lc, b->lc, e->lut, e->ff,
	       e->carry);
	printf("  DSP         %4u / %u\n", e->dsp, b->dsp);
	printf("  SPRAM       %4u / %u%s\n", e->spram, b->spram,
	       e->wm_spram ? "  (the weights: the host loads them at boot, sparq load)" : "");
	printf("  weight memory: %llu bits used (%u words, %u rounds, %llu nonzeros)\n",
	       (unsigned long long)e->model_bits, e->n_words, e->n_rounds,
	       (unsigned long long)e->nnz);
	printf("  cycles/inference %llu (bound %llu), %.2f us at %.1f MHz\n",
	       (unsigned long long)e->cycles, (unsigned long long)e->cycles_bound, e->latency_us,
	       e->clk_mhz);
	if (e->fits)
		printf("  fits the %s\n", b->name);
	else
		printf("  does NOT fit the %s: %s\n", b->name, e->why);
}

int cmd_estimate(int argc, char **argv)
{
	enum { O_BOARD = 256, O_LANES, O_AW, O_WW, O_ACCW, O_MAXW, O_MAXL, O_LGWD, O_LGRD,
	       O_CLK, O_JSON, O_HELP };
	static const struct option opts[] = {
		{ "board", required_argument, 0, O_BOARD },
		{ "lanes", required_argument, 0, O_LANES },
		{ "aw", required_argument, 0, O_AW },
		{ "ww", required_argument, 0, O_WW },
		{ "accw", required_argument, 0, O_ACCW },
		{ "maxw", required_argument, 0, O_MAXW },
		{ "maxl", required_argument, 0, O_MAXL },
		{ "lg-wd", required_argument, 0, O_LGWD },
		{ "lg-rd", required_argument, 0, O_LGRD },
		{ "clk-mhz", required_argument, 0, O_CLK },
		{ "json", no_argument, 0, O_JSON },
		{ "help", no_argument, 0, O_HELP },
		{ 0, 0, 0, 0 },
	};
	static const struct { int id; const char *name; uint32_t lo, hi; size_t off; } nums[] = {
		{ O_LANES, "lanes", 1, 16, offsetof(sq_est_opts, P) },
		{ O_AW, "aw", 2, 16, offsetof(sq_est_opts, AW) },
		{ O_WW, "ww", 2, 16, offsetof(sq_est_opts, WW) },
		{ O_ACCW, "accw", 8, 48, offsetof(sq_est_opts, ACCW) },
		{ O_MAXW, "maxw", 1, 4096, offsetof(sq_est_opts, MAXW) },
		{ O_MAXL, "maxl", 1, 16, offsetof(sq_est_opts, MAXL) },
		{ O_LGWD, "lg-wd", 1, 16, offsetof(sq_est_opts, LG_WD) },
		{ O_LGRD, "lg-rd", 1, 16, offsetof(sq_est_opts, LG_RD) },
	};
	sq_est_opts o;
	const char *board = "icebreaker";
	bool json = false;
	int c;

	sq_est_opts_init(&o);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		bool done = false;
		for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
			if (nums[i].id != c)
				continue;
			uint32_t *dst = (uint32_t *)((char *)&o + nums[i].off);
			if (cli_parse_u32(optarg, nums[i].lo, nums[i].hi, dst))
				return cli_usage_error(CMD, "--%s '%s': expected %u..%u", nums[i].name,
						       optarg, nums[i].lo, nums[i].hi);
			done = true;
		}
		if (done)
			continue;
		switch (c) {
		case O_BOARD: board = optarg; break;
		case O_CLK:
			if (cli_parse_double(optarg, 0.1, 1000.0, &o.clk_mhz))
				return cli_usage_error(CMD, "--clk-mhz '%s': expected 0.1..1000", optarg);
			break;
		case O_JSON: json = true; break;
		case O_HELP: usage(stdout); return 0;
		default:
			return cli_usage_error(CMD, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(CMD, "expected one MODEL.sqm");
	const char *path = argv[optind];
	const sq_board *b = sq_board_find(board);
	if (!b)
		return cli_usage_error(CMD, "--board '%s': unknown; boards: %s", board,
				       sq_board_names());
	sq_model *m = NULL;
	sq_err err;
	if (sqm_read_file(path, &m, &err))
		return cli_error(CMD, "%s", err.msg);
	sq_estimate e;
	int rc = sq_estimate_model(m, b, &o, &e, &err);
	sq_model_free(m);
	if (rc)
		return cli_error(CMD, "%s: %s", path, err.msg);
	if (json)
		json_out(path, &e);
	else
		text_out(path, &e);
	return 0;
}
