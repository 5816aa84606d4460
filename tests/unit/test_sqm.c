/*
 * test_sqm.c - the .sqm model library: CRC-32 against its check value and a
 * bitwise reference, the numerics helpers against hand-computed figures,
 * write/read round trips compared field by field, and every malformed file
 * of sqm_badcases.h rejected with its own message.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testlib.h"
#include "sqm_testutil.h"
#include "sqm_badcases.h"

/* ---- CRC-32 ---------------------------------------------------------------- */

/* Bit-at-a-time reference, straight from the definition. */
static uint32_t crc_ref(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1u) ? (c >> 1) ^ 0xedb88320u : c >> 1;
	}
	return c ^ 0xffffffffu;
}

static int t_crc32(void)
{
	const uint8_t *check = (const uint8_t *)"123456789";
	uint8_t buf[1000];
	sq_rng r;
	CHECKF(sq_crc32(check, 9) == 0xcbf43926u, "got 0x%08x", sq_crc32(check, 9));
	CHECK(sq_crc32(NULL, 0) == 0);
	CHECK(sq_crc32_update(sq_crc32_update(0, check, 4), check + 4, 5) == 0xcbf43926u);
	sq_rng_seed(&r, 5);
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)sq_rng_u64(&r);
	for (size_t n = 0; n <= sizeof buf; n += 37) {
		CHECK(sq_crc32(buf, n) == crc_ref(buf, n));
		size_t h = n / 3;
		CHECK(sq_crc32_update(sq_crc32_update(0, buf, h), buf + h, n - h) == crc_ref(buf, n));
	}
	return 0;
}

/* ---- numerics helpers ---------------------------------------------------- */

static int t_acc_bits(void)
{
	static const uint32_t dims[3] = { 4, 3, 2 };
	sq_model *m;
	sq_err e;
	CHECK(sq_model_new(2, dims, SQM_FIXED, &m, &e) == SQ_OK);
	sq_qlayer *q = &m->q[0];
	CHECK(sq_layer_acc_bits(q) == 2); /* all rows M = 0 */
	q->abits_in = 8;                  /* amax 127 */
	CHECK(sq_qlayer_reserve(q, 2, &e) == SQ_OK);
	q->col[0] = 1; q->val[0] = 3;
	q->col[1] = 3; q->val[1] = -5;
	q->row_ptr[0] = 0; q->row_ptr[1] = 2; q->row_ptr[2] = 2; q->row_ptr[3] = 2;
	q->bias[0] = -100;
	/* M[0] = 100 + 127 * 8 = 1116: 2^10 - 1 < 1116 <= 2^11 - 1, so 12 bits */
	CHECK(sq_layer_acc_bits(q) == 12);
	q->bias[0] = 0; q->val[0] = 1; q->val[1] = 0; /* M = 127: exactly 8 bits */
	CHECK(sq_layer_acc_bits(q) == 8);
	q->bias[0] = 1; /* M = 128: 9 bits */
	CHECK(sq_layer_acc_bits(q) == 9);
	q->bias[2] = ((int64_t)1 << 47) - 1; /* row 2, no weights: 48 bits */
	CHECK(sq_layer_acc_bits(q) == 48);
	q->bias[2] = -(((int64_t)1 << 47) - 1);
	CHECK(sq_layer_acc_bits(q) == 48);
	q->val[1] = -5;
	q->bias[2] = 0;
	sq_model_update_acc_bits(m);
	CHECK(m->q[0].acc_bits == 11); /* M[0] = 127 * 6 = 762 */
	CHECK(m->q[1].acc_bits == 2);
	sq_model_free(m);
	return 0;
}

static int t_shifts(void)
{
	static const uint32_t dims[4] = { 2, 3, 3, 2 };
	sq_model *m;
	sq_err e;
	CHECK(sq_model_new(3, dims, SQM_FIXED, &m, &e) == SQ_OK);
	m->q[0].out_exp = 5;
	m->q[1].out_exp = -2;
	m->q[0].w_exp[1] = 7;
	m->q[1].w_exp[2] = 1;
	m->q[2].w_exp[0] = 3;
	CHECK(sq_layer_in_exp(m, 0) == 0);
	CHECK(sq_layer_in_exp(m, 1) == 5);
	CHECK(sq_layer_in_exp(m, 2) == -2);
	CHECK(sq_row_shift(m, 0, 1) == 0 + 7 - 5);
	CHECK(sq_row_shift(m, 1, 2) == 5 + 1 - (-2));
	CHECK(sq_row_shift(m, 1, 0) == 5 + 0 + 2);
	sq_model_free(m);
	return 0;
}

/* ---- construction, metadata, validation ------------------------------------ */

static int t_model_new(void)
{
	uint32_t dims[18] = { 3, 4, 2 };
	sq_model *m;
	sq_err e;
	CHECK(sq_model_new(2, dims, SQM_FIXED | SQM_FLOAT | SQM_DUELING, &m, &e) == SQ_OK);
	CHECKF(sq_model_validate(m, &e) == SQ_OK, "%s", e.msg);
	CHECK(m->f[1].rows == 3 && m->f[0].rows == 4 && m->q[1].out_dim == 2);
	sq_model_free(m);
	sq_model_free(NULL);
	CHECK(sq_model_new(0, dims, SQM_FIXED, &m, &e) == SQ_E_INVALID && !m);
	CHECK(strstr(e.msg, "n_layers 0 out of range 1..16"));
	CHECK(sq_model_new(17, dims, SQM_FIXED, &m, &e) == SQ_E_INVALID);
	dims[1] = 0;
	CHECK(sq_model_new(2, dims, SQM_FIXED, &m, &e) == SQ_E_INVALID);
	CHECK(strstr(e.msg, "dims[1] = 0 out of range"));
	dims[1] = 4097;
	CHECK(sq_model_new(2, dims, SQM_FIXED, &m, &e) == SQ_E_INVALID);
	dims[1] = 4;
	CHECK(sq_model_new(2, dims, 0, &m, &e) == SQ_E_INVALID);
	CHECK(strstr(e.msg, "neither FIXED nor FLOAT"));
	CHECK(sq_model_new(2, dims, SQM_FIXED | SQM_DUELING, &m, &e) == SQ_E_INVALID);
	CHECK(strstr(e.msg, "DUELING without FLOAT"));
	CHECK(sq_model_new(2, dims, SQM_FLOAT | 8, &m, &e) == SQ_E_INVALID);
	/* the limits themselves are fine */
	for (int i = 0; i <= 16; i++)
		dims[i] = 1;
	dims[3] = 4096;
	CHECK(sq_model_new(16, dims, SQM_FIXED, &m, &e) == SQ_OK);
	CHECKF(sq_model_validate(m, &e) == SQ_OK, "%s", e.msg);
	sq_model_free(m);
	CHECK(strcmp(sq_strerror(SQ_E_FORMAT), "malformed model file") == 0);
	CHECK(strcmp(sq_strerror(42), "unknown error") == 0);
	CHECK(sq_fail(NULL, SQ_E_IO, "x %d", 1) == SQ_E_IO);
	return 0;
}

static int t_meta(void)
{
	static const uint32_t dims[2] = { 2, 2 };
	char key[80], *big;
	sq_model *m;
	sq_err e;
	CHECK(sq_model_new(1, dims, SQM_FLOAT, &m, &e) == SQ_OK);
	CHECK(sq_meta_get(m, "env") == NULL);
	CHECK(sq_meta_set(m, "env", "CartPole-v1", &e) == SQ_OK);
	CHECK(sq_meta_set(m, "seed", "7", &e) == SQ_OK);
	CHECK(sq_meta_set(m, "env", "Acrobot-v1", &e) == SQ_OK);
	CHECK(m->n_meta == 2);
	CHECK(strcmp(sq_meta_get(m, "env"), "Acrobot-v1") == 0);
	CHECK(strcmp(sq_meta_get(m, "seed"), "7") == 0);
	CHECK(sq_meta_set(m, "", "x", &e) == SQ_E_INVALID);
	CHECK(sq_meta_set(m, "a=b", "x", &e) == SQ_E_INVALID);
	CHECK(sq_meta_set(m, "tab\there", "x", &e) == SQ_E_INVALID);
	memset(key, 'k', 64);
	key[64] = '\0';
	CHECK(sq_meta_set(m, key, "64-byte key", &e) == SQ_OK);
	key[64] = 'k';
	key[65] = '\0';
	CHECK(sq_meta_set(m, key, "x", &e) == SQ_E_INVALID);
	CHECK(strstr(e.msg, "key of 65 bytes"));
	CHECK(sq_meta_set(m, "bad", "\xc0\x80", &e) == SQ_E_INVALID); /* overlong NUL */
	CHECK(sq_meta_set(m, "bad", "\xed\xa0\x80", &e) == SQ_E_INVALID); /* surrogate */
	CHECK(sq_meta_set(m, "ok", "\xf0\x9f\x98\x80", &e) == SQ_OK);
	big = malloc(SQ_MAX_VALUE + 2);
	CHECK(big);
	memset(big, 'v', SQ_MAX_VALUE);
	big[SQ_MAX_VALUE] = '\0';
	CHECK(sq_meta_set(m, "big", big, &e) == SQ_OK);
	big[SQ_MAX_VALUE] = 'v';
	big[SQ_MAX_VALUE + 1] = '\0';
	CHECK(sq_meta_set(m, "big2", big, &e) == SQ_E_INVALID);
	free(big);
	for (unsigned i = m->n_meta; i < SQ_MAX_META; i++) {
		snprintf(key, sizeof key, "k%u", i);
		CHECK(sq_meta_set(m, key, "v", &e) == SQ_OK);
	}
	CHECK(sq_meta_set(m, "one-too-many", "v", &e) == SQ_E_RANGE);
	CHECK(sq_meta_set(m, "env", "replace still works", &e) == SQ_OK);
	CHECKF(sq_model_validate(m, &e) == SQ_OK, "%s", e.msg);
	/* validate catches what bypasses the setter */
	m->meta[1].key[0] = 'e';
	m->meta[1].key[1] = 'n';
	m->meta[1].key[2] = 'v';
	m->meta[1].key[3] = '\0';
	CHECK(sq_model_validate(m, &e) == SQ_E_INVALID);
	CHECK(strstr(e.msg, "metadata entry 1: duplicate key 'env' (first at entry 0)"));
	sq_model_free(m);
	return 0;
}

/* One in-memory rule broken per step; validate names it, the writer refuses. */
static int t_validate_rejects(void)
{
	struct { const char *expect; } exp[] = {
		{ "layer 1: wbits 1 out of range" }, { "layer 0: abits_in 17 out of range" },
		{ "layer 2 (output): out_exp 3, must be 0" }, { "shift 32 out of range" },
		{ "layer 1 row 0: bias -140737488355328 out of range" },
		{ "column 12 out of range (in_dim 12)" }, { "weight 0 stored" },
		{ "acc_bits 40 stored" }, { "input feature 2: exponent -33" },
		{ "float layer 1 row 0: bias is not finite" }, { "layer 1: in_dim 5 does not chain" },
	};
	for (size_t i = 0; i < sizeof exp / sizeof exp[0]; i++) {
		sq_model *m = sqb_base_model();
		uint8_t *buf = NULL;
		size_t len = 1;
		sq_err e;
		CHECK(m);
		CHECKF(sq_model_validate(m, &e) == SQ_OK, "%s", e.msg);
		switch (i) {
		case 0: m->q[1].wbits = 1; break;
		case 1: m->q[0].abits_in = 17; break;
		case 2: m->q[2].out_exp = 3; break;
		case 3: m->q[0].w_exp[0] = (int8_t)(m->q[0].out_exp + 32); break;
		case 4: m->q[1].bias[0] = -((int64_t)1 << 47); break;
		case 5: m->q[1].col[0] = 12; break;
		case 6: m->q[1].val[0] = 0; break;
		case 7: m->q[1].acc_bits = 40; break;
		case 8: m->in_exp[2] = -33; break;
		case 9: m->f[1].b[0] = NAN; break;
		default: m->q[1].in_dim = 5; break;
		}
		int rc = sq_model_validate(m, &e);
		CHECKF(rc == SQ_E_INVALID && strstr(e.msg, exp[i].expect),
		       "case %zu: rc %d msg '%s'", i, rc, e.msg);
		CHECK(sqm_write_buffer(m, &buf, &len, &e) == SQ_E_INVALID && buf == NULL && len == 0);
		sq_model_free(m);
	}
	return 0;
}

/* ---- round trips --------------------------------------------------------- */

static int roundtrip(uint32_t flags, uint32_t L, const uint32_t *dims, int meta, uint64_t seed)
{
	char why[128];
	uint8_t *b1, *b2;
	size_t n1, n2;
	sq_model *m, *r;
	sq_err e;
	m = sqt_random_model(seed, flags, L, dims, meta);
	CHECK(m);
	CHECKF(sqm_write_buffer(m, &b1, &n1, &e) == SQ_OK, "%s", e.msg);
	CHECK(n1 % 4 == 0 && sqt_get32(b1 + 8) == n1);
	CHECKF(sqm_read_buffer(b1, n1, "rt.sqm", &r, &e) == SQ_OK, "%s", e.msg);
	CHECKF(sqt_model_equal(m, r, why, sizeof why), "%s", why);
	CHECK(sqm_write_buffer(r, &b2, &n2, &e) == SQ_OK);
	CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0); /* byte-identical re-encoding */
	free(b1);
	free(b2);
	sq_model_free(m);
	sq_model_free(r);
	return 0;
}

static int t_roundtrip_fixed(void)
{
	static const uint32_t d1[3] = { 4, 16, 3 }, d2[2] = { 1, 1 };
	CHECK(roundtrip(SQM_FIXED, 2, d1, 0, 1) == 0);
	CHECK(roundtrip(SQM_FIXED, 1, d2, 0, 2) == 0);
	CHECK(roundtrip(SQM_FIXED, 3, sqb_dims, 1, 3) == 0);
	return 0;
}

static int t_roundtrip_float(void)
{
	static const uint32_t d1[4] = { 8, 32, 32, 2 };
	CHECK(roundtrip(SQM_FLOAT, 3, d1, 0, 4) == 0);
	CHECK(roundtrip(SQM_FLOAT | SQM_DUELING, 3, d1, 1, 5) == 0);
	return 0;
}

static int t_roundtrip_both(void)
{
	uint32_t d[17];
	for (int i = 0; i <= 16; i++)
		d[i] = 1 + (uint32_t)(i * 7) % 5;
	CHECK(roundtrip(SQB_FLAGS, 3, sqb_dims, 1, 6) == 0);
	CHECK(roundtrip(SQM_FIXED | SQM_FLOAT, 16, d, 1, 7) == 0); /* the layer limit */
	return 0;
}

/* Limits that must be accepted: widths 2 and 16, acc_bits 48, |bias| = 2^47-1,
 * shifts 0 and 31, exponents at their bounds, an empty layer. */
static int t_limits_accepted(void)
{
	static const uint32_t dims[4] = { 3, 2, 2, 2 };
	char why[128];
	uint8_t *b;
	size_t n;
	sq_model *m, *r;
	sq_err e;
	CHECK(sq_model_new(3, dims, SQM_FIXED, &m, &e) == SQ_OK);
	m->in_exp[0] = -32;
	m->in_exp[1] = 32;
	m->q[0].wbits = 2;
	m->q[0].abits_in = 16;
	m->q[0].out_exp = -64 + 31 + 0; /* shift of row 0: 0 + w_exp - out_exp */
	m->q[0].w_exp[0] = (int8_t)(m->q[0].out_exp + 31);
	m->q[0].w_exp[1] = m->q[0].out_exp;
	m->q[0].bias[1] = ((int64_t)1 << 47) - 1;
	CHECK(sq_qlayer_reserve(&m->q[0], 3, &e) == SQ_OK);
	m->q[0].col[0] = 0; m->q[0].val[0] = 1;
	m->q[0].col[1] = 1; m->q[0].val[1] = -1;
	m->q[0].col[2] = 2; m->q[0].val[2] = 1;
	m->q[0].row_ptr[1] = 3; /* row 1: bias only */
	m->q[0].row_ptr[2] = 3;
	m->q[1].wbits = 16;
	m->q[1].abits_in = 2;
	m->q[1].w_exp[0] = m->q[1].w_exp[1] = 64;
	m->q[1].out_exp = (int8_t)(m->q[0].out_exp + 64 - 31);
	m->q[2].w_exp[0] = m->q[2].w_exp[1] = -64; /* layer 2 stays empty */
	sq_model_update_acc_bits(m);
	CHECK(m->q[0].acc_bits == 48);
	CHECKF(sq_model_validate(m, &e) == SQ_OK, "%s", e.msg);
	CHECKF(sqm_write_buffer(m, &b, &n, &e) == SQ_OK, "%s", e.msg);
	CHECKF(sqm_read_buffer(b, n, "lim.sqm", &r, &e) == SQ_OK, "%s", e.msg);
	CHECKF(sqt_model_equal(m, r, why, sizeof why), "%s", why);
	sq_model_free(r);
	free(b);
	/* one past each limit */
	m->q[0].bias[1] = (int64_t)1 << 47;
	sq_model_update_acc_bits(m);
	CHECK(sq_model_validate(m, &e) == SQ_E_INVALID && strstr(e.msg, "bias"));
	m->q[0].bias[1] = ((int64_t)1 << 46);
	m->q[1].bias[0] = ((int64_t)1 << 47) - 1;
	/* layer 1 is empty: acc_bits 48 exactly, fine */
	sq_model_update_acc_bits(m);
	CHECKF(sq_model_validate(m, &e) == SQ_OK, "%s", e.msg);
	m->q[0].w_exp[0]++; /* shift 32 */
	CHECK(sq_model_validate(m, &e) == SQ_E_INVALID && strstr(e.msg, "shift 32"));
	sq_model_free(m);
	return 0;
}

static int t_acc_over_48(void)
{
	static const uint32_t dims[2] = { 4096, 1 };
	sq_model *m;
	sq_err e;
	CHECK(sq_model_new(1, dims, SQM_FIXED, &m, &e) == SQ_OK);
	sq_qlayer *q = &m->q[0];
	q->wbits = 16;
	q->abits_in = 16;
	CHECK(sq_qlayer_reserve(q, 4096, &e) == SQ_OK);
	for (uint32_t k = 0; k < 4096; k++) {
		q->col[k] = (uint16_t)k;
		q->val[k] = 32767;
	}
	q->row_ptr[1] = 4096;
	q->bias[0] = ((int64_t)1 << 47) - 1;
	/* M = 2^47 - 1 + 32767 * 32767 * 4096 > 2^48 - 1: 49 bits */
	sq_model_update_acc_bits(m);
	CHECK(q->acc_bits == 49);
	CHECK(sq_model_validate(m, &e) == SQ_E_INVALID);
	CHECKF(strstr(e.msg, "layer 0: acc_bits 49 exceeds 48"), "%s", e.msg);
	sq_model_free(m);
	return 0;
}

static int t_clone(void)
{
	char why[128];
	sq_model *m = sqb_base_model(), *c;
	sq_err e;
	CHECK(m);
	CHECK(sq_model_clone(m, &c, &e) == SQ_OK);
	CHECKF(sqt_model_equal(m, c, why, sizeof why), "%s", why);
	c->q[1].val[0] = (int16_t)-c->q[1].val[0];
	c->f[0].w[0] += 1.0f;
	CHECK(!sqt_model_equal(m, c, why, sizeof why)); /* deep, not shared */
	sq_model_free(c);
	sq_model_free(m);
	return 0;
}

/* ---- files ----------------------------------------------------------------- */

static int count_entries(const char *dir)
{
	int n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	for (struct dirent *de; (de = readdir(d));)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static int t_files(void)
{
	char dir[400], path[512], why[128];
	const char *tmp = getenv("TMPDIR");
	sq_model *m = sqb_base_model(), *r;
	sq_err e;
	snprintf(dir, sizeof dir, "%s/sqmtestXXXXXX", tmp && *tmp ? tmp : "/tmp");
	CHECK(m && mkdtemp(dir));
	snprintf(path, sizeof path, "%s/m.sqm", dir);
	CHECKF(sqm_write_file(m, path, &e) == SQ_OK, "%s", e.msg);
	CHECKF(sqm_read_file(path, &r, &e) == SQ_OK, "%s", e.msg);
	CHECKF(sqt_model_equal(m, r, why, sizeof why), "%s", why);
	sq_model_free(r);
	CHECK(count_entries(dir) == 1);
	/* an invalid model never replaces the file and leaves nothing behind */
	m->q[1].val[0] = 0;
	CHECK(sqm_write_file(m, path, &e) == SQ_E_INVALID);
	m->q[1].val[0] = 1;
	sq_model_update_acc_bits(m);
	CHECKF(sqm_read_file(path, &r, &e) == SQ_OK, "%s", e.msg);
	sq_model_free(r);
	CHECK(count_entries(dir) == 1);
	/* overwrite in place */
	CHECK(sq_meta_set(m, "env", "changed", &e) == SQ_OK);
	CHECK(sqm_write_file(m, path, &e) == SQ_OK);
	CHECK(sqm_read_file(path, &r, &e) == SQ_OK);
	CHECK(strcmp(sq_meta_get(r, "env"), "changed") == 0);
	sq_model_free(r);
	CHECK(count_entries(dir) == 1);
	/* I/O errors */
	snprintf(path, sizeof path, "%s/none/m.sqm", dir);
	CHECK(sqm_write_file(m, path, &e) == SQ_E_IO && strstr(e.msg, "none/m.sqm"));
	CHECK(sqm_read_file(path, &r, &e) == SQ_E_IO && strstr(e.msg, "cannot open"));
	CHECK(count_entries(dir) == 1);
	/* the reader names the file */
	snprintf(path, sizeof path, "%s/short.sqm", dir);
	FILE *f = fopen(path, "wb");
	CHECK(f && fwrite("SQM1", 1, 4, f) == 4 && fclose(f) == 0);
	CHECK(sqm_read_file(path, &r, &e) == SQ_E_FORMAT);
	CHECKF(strstr(e.msg, "short.sqm: truncated: header needs 32 bytes, file has 4"), "%s", e.msg);
	unlink(path);
	snprintf(path, sizeof path, "%s/m.sqm", dir);
	unlink(path);
	CHECK(rmdir(dir) == 0);
	sq_model_free(m);
	return 0;
}

/* ---- malformed files -------------------------------------------------------- */

static int base_bytes(uint8_t **b, size_t *n)
{
	sq_model *m = sqb_base_model();
	sq_err e;
	int rc = m ? sqm_write_buffer(m, b, n, &e) : -1;
	sq_model_free(m);
	return rc;
}

static int expect_reject(const uint8_t *b, size_t n, const char *expect, char *msg, size_t mn)
{
	sq_model *m = (sq_model *)1;
	sq_err e;
	int rc = sqm_read_buffer(b, n, "m.sqm", &m, &e);
	snprintf(msg, mn, "rc %d, msg '%s'", rc, rc ? e.msg : "");
	return rc == SQ_E_FORMAT && m == NULL && strncmp(e.msg, "m.sqm: ", 7) == 0 &&
	       !strchr(e.msg, '\n') && strstr(e.msg, expect) != NULL;
}

/* Every truncation at a section boundary, inside each section and header. */
static int t_truncations(void)
{
	uint8_t *b, *c;
	size_t n;
	char msg[400], want[80];
	CHECK(base_bytes(&b, &n) == 0);
	for (unsigned s = 0; s < 9; s++) {
		size_t at = sqt_section(b, n, s);
		CHECK(at > 0);
		size_t cuts[3] = { at, at + 5, at + 8 };
		for (int i = 0; i < 3; i++) {
			c = malloc(cuts[i]);
			CHECK(c);
			memcpy(c, b, cuts[i]);
			snprintf(want, sizeof want, "truncated: file_size says %zu bytes, file has %zu",
				 n, cuts[i]);
			int ok = expect_reject(c, cuts[i], want, msg, sizeof msg);
			free(c);
			CHECKF(ok, "cut at %zu: %s", cuts[i], msg);
		}
	}
	for (size_t cut = 0; cut < 32; cut += 3) {
		c = malloc(cut ? cut : 1);
		CHECK(c);
		memcpy(c, b, cut);
		snprintf(want, sizeof want, "truncated: header needs 32 bytes, file has %zu", cut);
		int ok = expect_reject(c, cut, want, msg, sizeof msg);
		free(c);
		CHECKF(ok, "%s", msg);
	}
	/* a hand-made truncation (file_size and CRC agree) inside each section */
	for (unsigned s = 0; s < 9; s++) {
		size_t at = sqt_section(b, n, s) + 12;
		c = malloc(at);
		CHECK(c);
		memcpy(c, b, at);
		sqt_fix_header(c, at);
		/* early sections: the topology's minimum size already exceeds file_size */
		int ok = expect_reject(c, at, "runs past end of file", msg, sizeof msg) ||
			 expect_reject(c, at, "this topology needs at least", msg, sizeof msg);
		free(c);
		CHECKF(ok, "section %u: %s", s, msg);
	}
	free(b);
	/* a small file cut at every length, each in an exact-size buffer */
	static const uint32_t d[3] = { 3, 4, 2 };
	sq_model *m = sqt_random_model(8, SQM_FIXED | SQM_FLOAT, 2, d, 1);
	sq_err e;
	CHECK(m && sqm_write_buffer(m, &b, &n, &e) == SQ_OK);
	sq_model_free(m);
	for (size_t cut = 0; cut < n; cut++) {
		c = malloc(cut ? cut : 1);
		CHECK(c);
		memcpy(c, b, cut);
		int ok = expect_reject(c, cut, "truncated: ", msg, sizeof msg);
		free(c);
		CHECKF(ok, "cut at %zu of %zu: %s", cut, n, msg);
	}
	free(b);
	return 0;
}

static void t_badcases(void)
{
	uint8_t *b, *c;
	size_t n, cn;
	char msg[400];
	if (base_bytes(&b, &n)) {
		printf("FAIL: sqm_bad_base\n");
		tl_failed++;
		return;
	}
	for (size_t i = 0; i < SQB_NCASES; i++) {
		int ok = sqb_make(b, n, i, &c, &cn) == 0 &&
			 expect_reject(c, cn, sqb_cases[i].expect, msg, sizeof msg);
		if (ok) {
			printf("PASS: sqm_bad_%s\n", sqb_cases[i].name);
		} else {
			fprintf(stderr, "  expected '%s', got %s\n", sqb_cases[i].expect, msg);
			printf("FAIL: sqm_bad_%s\n", sqb_cases[i].name);
			tl_failed++;
		}
		free(c);
	}
	free(b);
}

/* Random corruption with the CRC refreshed: never a crash (ASan), and an
 * accepted file always round-trips. A short version of tests/fuzz/. */
static int t_mutations(void)
{
	uint8_t *b, *c, *w;
	size_t n, wn;
	char why[128];
	sq_rng r;
	sq_err e;
	int accepted = 0;
	CHECK(base_bytes(&b, &n) == 0);
	sq_rng_seed(&r, 99);
	for (int it = 0; it < 3000; it++) {
		size_t cn = n;
		c = malloc(n);
		CHECK(c);
		memcpy(c, b, n);
		int flips = 1 + (int)sq_rng_below(&r, 3);
		for (int k = 0; k < flips; k++) {
			size_t at = 16 + sq_rng_below(&r, n - 16);
			c[at] = sq_rng_below(&r, 2) ? (uint8_t)sq_rng_u64(&r) : (uint8_t)(c[at] ^ (1u << sq_rng_below(&r, 8)));
		}
		if (sq_rng_below(&r, 4) == 0)
			cn = 32 + 4 * sq_rng_below(&r, (n - 32) / 4);
		sqt_fix_header(c, cn);
		sq_model *m, *m2;
		if (sqm_read_buffer(c, cn, "mut.sqm", &m, &e) == SQ_OK) {
			accepted++;
			CHECKF(sqm_write_buffer(m, &w, &wn, &e) == SQ_OK, "%s", e.msg);
			CHECKF(sqm_read_buffer(w, wn, "re.sqm", &m2, &e) == SQ_OK, "%s", e.msg);
			CHECKF(sqt_model_equal(m, m2, why, sizeof why), "%s", why);
			sq_model_free(m2);
			sq_model_free(m);
			free(w);
		} else {
			CHECK(strncmp(e.msg, "mut.sqm: ", 9) == 0 && !strchr(e.msg, '\n'));
		}
		free(c);
	}
	fprintf(stderr, "  t_mutations: %d of 3000 mutants accepted\n", accepted);
	free(b);
	return 0;
}

int main(void)
{
	RUN(t_crc32);
	RUN(t_acc_bits);
	RUN(t_shifts);
	RUN(t_model_new);
	RUN(t_meta);
	RUN(t_validate_rejects);
	RUN(t_roundtrip_fixed);
	RUN(t_roundtrip_float);
	RUN(t_roundtrip_both);
	RUN(t_limits_accepted);
	RUN(t_acc_over_48);
	RUN(t_clone);
	RUN(t_files);
	RUN(t_truncations);
	t_badcases();
	RUN(t_mutations);
	return tl_done();
}
