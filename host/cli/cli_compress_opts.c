/*
 * cli_compress_opts.c - the compression-pipeline options of `sparq compress`
 * and `sparq sweep`.
 */
#include "cli_compress_opts.h"

#include <string.h>

#include "cli.h"

int cli_compress_option(const char *cmd, int opt, const char *arg, sq_compress_opts *o)
{
	switch (opt) {
	case CLI_CO_PRUNE:
		if (!strcmp(arg, "magnitude"))
			o->method = SQ_PRUNE_MAGNITUDE;
		else if (!strcmp(arg, "taylor"))
			o->method = SQ_PRUNE_TAYLOR;
		else
			return cli_usage_error(cmd, "--prune '%s': expected magnitude or taylor", arg);
		return 0;
	case CLI_CO_SCOPE:
		if (!strcmp(arg, "layer"))
			o->scope = SQ_PRUNE_LAYER;
		else if (!strcmp(arg, "global"))
			o->scope = SQ_PRUNE_GLOBAL;
		else
			return cli_usage_error(cmd, "--scope '%s': expected layer or global", arg);
		return 0;
	case CLI_CO_ITER:
		if (cli_parse_u32(arg, 1, 1000, &o->iterations))
			return cli_usage_error(cmd, "--iterations '%s': expected 1..1000", arg);
		return 0;
	case CLI_CO_FT:
		if (cli_parse_u32(arg, 0, 100000000, &o->finetune_steps))
			return cli_usage_error(cmd, "--finetune-steps '%s': expected 0..100000000", arg);
		return 0;
	case CLI_CO_QAT:
		o->qat = true;
		return 0;
	case CLI_CO_QATSTEPS:
		if (cli_parse_u32(arg, 0, 100000000, &o->qat_steps))
			return cli_usage_error(cmd, "--qat-steps '%s': expected 0..100000000", arg);
		return 0;
	case CLI_CO_CALIB:
		if (cli_parse_u32(arg, 1, 1000000, &o->calib_states))
			return cli_usage_error(cmd, "--calib-states '%s': expected 1..1000000", arg);
		return 0;
	case CLI_CO_INIT:
		if (cli_parse_u32(arg, 0, 100000000, &o->init_steps))
			return cli_usage_error(cmd, "--init-steps '%s': expected 0..100000000", arg);
		return 0;
	default:
		return -1;
	}
}
