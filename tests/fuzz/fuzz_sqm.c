/*
 * fuzz_sqm.c - libFuzzer target of the .sqm reader (host/sqm_read.c).
 *
 * Each input is read twice from an exact-size heap copy (so ASan sees any
 * overread): as given, and with file_size and the CRC patched to match, so
 * that mutations reach the section parsers instead of stopping at the CRC.
 * A rejected input must give one line prefixed with the name; an accepted
 * one must write back, re-read, and compare equal field by field, and its
 * re-encoding must be byte-identical.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqm_testutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *msg)
{
	fprintf(stderr, "fuzz_sqm: %s: %s\n", what, msg);
	abort();
}

static void one(const uint8_t *data, size_t size, int fix)
{
	uint8_t *b = malloc(size ? size : 1), *w1, *w2;
	size_t n1, n2;
	sq_model *m, *m2;
	sq_err e;
	char why[128];
	if (!b)
		return;
	memcpy(b, data, size);
	if (fix)
		sqt_fix_header(b, size);
	int rc = sqm_read_buffer(b, size, "fuzz.sqm", &m, &e);
	free(b);
	if (rc != SQ_OK) {
		if (rc >= 0 || m != NULL || strncmp(e.msg, "fuzz.sqm: ", 10) != 0 ||
		    strchr(e.msg, '\n') || strlen(e.msg) <= 10)
			fail("bad rejection", e.msg);
		return;
	}
	if (sqm_write_buffer(m, &w1, &n1, &e) != SQ_OK)
		fail("accepted model does not write", e.msg);
	if (sqm_read_buffer(w1, n1, "re.sqm", &m2, &e) != SQ_OK)
		fail("written model does not read", e.msg);
	if (!sqt_model_equal(m, m2, why, sizeof why))
		fail("round trip differs", why);
	if (sqm_write_buffer(m2, &w2, &n2, &e) != SQ_OK || n1 != n2 || memcmp(w1, w2, n1))
		fail("re-encoding differs", "");
	free(w1);
	free(w2);
	sq_model_free(m);
	sq_model_free(m2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, 0);
	if (size >= 16)
		one(data, size, 1);
	return 0;
}
