/*
 * cli_compress_opts.h - the compression-pipeline options `sparq compress`
 * and `sparq sweep` share (--prune, --scope, --iterations, --finetune-steps,
 * --qat, --qat-steps, --calib-states, --init-steps), parsed in one place.
 */
#ifndef SPARQ_CLI_COMPRESS_OPTS_H
#define SPARQ_CLI_COMPRESS_OPTS_H

#include <getopt.h>

#include "compress.h"

/* getopt_long codes, above every command's own (which start at 256) */
enum {
	CLI_CO_PRUNE = 1024, CLI_CO_SCOPE, CLI_CO_ITER, CLI_CO_FT, CLI_CO_QAT,
	CLI_CO_QATSTEPS, CLI_CO_CALIB, CLI_CO_INIT
};

#define CLI_COMPRESS_OPTIONS                                          \
	{ "prune", required_argument, 0, CLI_CO_PRUNE },              \
	{ "scope", required_argument, 0, CLI_CO_SCOPE },              \
	{ "iterations", required_argument, 0, CLI_CO_ITER },          \
	{ "finetune-steps", required_argument, 0, CLI_CO_FT },        \
	{ "qat", no_argument, 0, CLI_CO_QAT },                        \
	{ "qat-steps", required_argument, 0, CLI_CO_QATSTEPS },       \
	{ "calib-states", required_argument, 0, CLI_CO_CALIB },       \
	{ "init-steps", required_argument, 0, CLI_CO_INIT }

/*
 * Parses opt into o if it is one of the options above. Returns 0 when it
 * was and is well formed, 2 after printing a usage error for cmd (return
 * it), and -1 when opt is another option.
 */
int cli_compress_option(const char *cmd, int opt, const char *arg, sq_compress_opts *o);

#endif
