/*
 * cli.h - conventions shared by every `sparq` subcommand.
 *
 * A subcommand lives in host/cli/cmd_<name>.c and declares itself with one
 * line at file scope:
 *
 *     SQ_COMMAND(info, "show a model's shape, widths, sparsity and sizes")
 *
 * which declares `int cmd_info(int argc, char **argv)`. The Makefile collects
 * these lines into the dispatch table of sparq.c (no central list to edit).
 * Use an underscore for a dash: SQ_COMMAND(export_hls, ...) is `sparq export-hls`.
 *
 * A command returns its exit status: 0 on success; on failure it prints one
 * line "sparq <cmd>: <reason>" to stderr (cli_error) and returns 1 (2 for a
 * usage error). argv[0] is the subcommand name; parse with getopt_long.
 * `--help` prints usage to stdout and returns 0. `--json` prints one JSON
 * object on stdout and nothing else there.
 */
#ifndef SPARQ_CLI_H
#define SPARQ_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SQ_COMMAND(name, help) int cmd_##name(int argc, char **argv);

/* Prints "sparq <cmd>: <message>\n" to stderr; returns 1. */
int cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error: same line, then "try 'sparq <cmd> --help'"; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parsers: 0 on success, -1 on malformed input or out of [lo, hi]. */
int cli_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out);
int cli_parse_u64(const char *s, uint64_t *out);
int cli_parse_double(const char *s, double lo, double hi, double *out);
/* Comma-separated lists; *n gets the count (at most max). */
int cli_parse_u32_list(const char *s, uint32_t lo, uint32_t hi, uint32_t *out, size_t max, size_t *n);
int cli_parse_double_list(const char *s, double *out, size_t max, size_t *n);

/* Writes s as a JSON string literal (quotes and escapes) to f. */
void cli_json_string(FILE *f, const char *s);

#endif
