/*
 * cli_util.c - argument parsing and error lines shared by the subcommands.
 */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void vline(const char *cmd, const char *fmt, va_list ap)
{
	fprintf(stderr, "sparq %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(cmd, fmt, ap);
	va_end(ap);
	return 1;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(cmd, fmt, ap);
	va_end(ap);
	fprintf(stderr, "try 'sparq %s --help'\n", cmd);
	return 2;
}

int cli_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t v;
	if (cli_parse_u64(s, &v) || v < lo || v > hi)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int cli_parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Splits s at commas into a scratch copy and calls one(item, i) for each. */
static int split(const char *s, size_t max, size_t *n,
		 int (*one)(const char *item, size_t i, void *ctx), void *ctx)
{
	int rc = -1;
	size_t count = 0;
	char *copy = s ? strdup(s) : NULL;
	if (!copy)
		return -1;
	char *save = NULL;
	/* an empty item ("1,,2" or a trailing comma) is an error */
	size_t len = strlen(copy);
	if (len == 0 || copy[0] == ',' || copy[len - 1] == ',' || strstr(copy, ",,"))
		goto out_free;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (count >= max || one(tok, count, ctx))
			goto out_free;
		count++;
	}
	*n = count;
	rc = 0;
out_free:
	free(copy);
	return rc;
}

struct u32ctx { uint32_t lo, hi; uint32_t *out; };

static int one_u32(const char *item, size_t i, void *ctx)
{
	struct u32ctx *c = ctx;
	return cli_parse_u32(item, c->lo, c->hi, &c->out[i]);
}

int cli_parse_u32_list(const char *s, uint32_t lo, uint32_t hi, uint32_t *out, size_t max, size_t *n)
{
	struct u32ctx c = { lo, hi, out };
	return split(s, max, n, one_u32, &c);
}

static int one_double(const char *item, size_t i, void *ctx)
{
	double *out = ctx;
	return cli_parse_double(item, -INFINITY, INFINITY, &out[i]);
}

int cli_parse_double_list(const char *s, double *out, size_t max, size_t *n)
{
	return split(s, max, n, one_double, out);
}

void cli_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}
