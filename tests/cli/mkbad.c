/*
 * mkbad.c - writes the .sqm test files: `mkbad DIR` writes one malformed file
 * per case of tests/unit/sqm_badcases.h (DIR/<case>.sqm) with the expected
 * part of its error line (DIR/<case>.expect), plus a valid DIR/good.sqm;
 * `mkbad --seeds DIR` writes a fuzz seed corpus: valid models of every kind
 * and the malformed files. Exit 0, or 1 with one line on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqm_testutil.h"
#include "sqm_badcases.h"

static int put_file(const char *dir, const char *name, const char *ext,
		    const void *p, size_t n)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s%s", dir, name, ext);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "mkbad: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

static int put_model(const char *dir, const char *name, const sq_model *m)
{
	uint8_t *b;
	size_t n;
	sq_err e;
	if (!m || sqm_write_buffer(m, &b, &n, &e)) {
		fprintf(stderr, "mkbad: %s: cannot build the model\n", name);
		return 1;
	}
	int rc = put_file(dir, name, ".sqm", b, n);
	free(b);
	return rc;
}

static int seeds(const char *dir)
{
	static const uint32_t d1[3] = { 4, 8, 2 }, d2[2] = { 1, 1 }, d3[4] = { 5, 6, 6, 3 };
	uint32_t d16[17];
	sq_model *m;
	int rc = 0;
	for (int i = 0; i <= 16; i++)
		d16[i] = 1 + (uint32_t)i % 3;
	rc |= put_model(dir, "seed_fixed", m = sqt_random_model(1, SQM_FIXED, 2, d1, 0));
	sq_model_free(m);
	rc |= put_model(dir, "seed_tiny", m = sqt_random_model(2, SQM_FIXED, 1, d2, 0));
	sq_model_free(m);
	rc |= put_model(dir, "seed_float", m = sqt_random_model(3, SQM_FLOAT, 2, d1, 1));
	sq_model_free(m);
	rc |= put_model(dir, "seed_dueling", m = sqt_random_model(4, SQB_FLAGS, 3, d3, 1));
	sq_model_free(m);
	rc |= put_model(dir, "seed_16layers", m = sqt_random_model(5, SQM_FIXED, 16, d16, 0));
	sq_model_free(m);
	return rc;
}

int main(int argc, char **argv)
{
	int want_seeds = argc == 3 && strcmp(argv[1], "--seeds") == 0;
	const char *dir = argv[argc - 1];
	uint8_t *b, *c;
	size_t n, cn;
	sq_err e;
	int rc = 0;

	if (argc != 2 && !want_seeds) {
		fprintf(stderr, "usage: mkbad [--seeds] DIR\n");
		return 2;
	}
	sq_model *m = sqb_base_model();
	if (!m || sqm_write_buffer(m, &b, &n, &e)) {
		fprintf(stderr, "mkbad: cannot build the base model\n");
		return 1;
	}
	sq_model_free(m);
	rc |= put_file(dir, want_seeds ? "seed_base" : "good", ".sqm", b, n);
	for (size_t i = 0; !rc && i < SQB_NCASES; i++) {
		if (sqb_make(b, n, i, &c, &cn)) {
			fprintf(stderr, "mkbad: out of memory\n");
			rc = 1;
			break;
		}
		rc |= put_file(dir, sqb_cases[i].name, ".sqm", c, cn);
		if (!want_seeds)
			rc |= put_file(dir, sqb_cases[i].name, ".expect", sqb_cases[i].expect,
				       strlen(sqb_cases[i].expect));
		free(c);
	}
	free(b);
	if (!rc && want_seeds)
		rc = seeds(dir);
	return rc ? 1 : 0;
}
