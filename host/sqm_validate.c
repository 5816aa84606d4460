/*
 * sqm_validate.c - every rule of docs/model-format.md and docs/numerics.md
 * that does not depend on the byte layout, and the numerics helpers of sqm.h
 * (accumulator width, shifts, exponents).
 *
 * The checks never trust the model: sizes and indices are checked before they
 * are used, so an arbitrary (even garbage) model gives an error, not a crash,
 * provided its array pointers are NULL or as long as its dims say.
 */
#include <math.h>
#include <string.h>

#include "fixed.h"
#include "sqm.h"
#include "sqm_internal.h"

#define W_EXP_MIN (-64)
#define W_EXP_MAX 64
#define IN_EXP_MIN (-32)
#define IN_EXP_MAX 32
#define BIAS_LIMIT ((int64_t)1 << 47)

static bool bits_ok(unsigned b)
{
	return b >= 2 && b <= 16;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return (b && a > UINT64_MAX / b) ? UINT64_MAX : a * b;
}

static uint64_t mag64(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

uint8_t sq_layer_acc_bits(const sq_qlayer *L)
{
	unsigned a = L->abits_in < 2 ? 2 : (L->abits_in > 16 ? 16 : L->abits_in);
	uint64_t amax_in = (uint64_t)sq_amax(a);
	unsigned best = 2;
	if (!L->row_ptr || !L->bias)
		return (uint8_t)best;
	for (uint32_t r = 0; r < L->out_dim; r++) {
		uint32_t k0 = L->row_ptr[r], k1 = L->row_ptr[r + 1];
		uint64_t sum = 0;
		if (k1 > L->nnz)
			k1 = L->nnz;
		for (uint32_t k = k0; k < k1 && L->val; k++)
			sum += mag64(L->val[k]);
		uint64_t M = sat_add(mag64(L->bias[r]), sat_mul(amax_in, sum));
		unsigned b = sq_bits_for_magnitude(M);
		if (b > best)
			best = b;
	}
	return (uint8_t)best;
}

void sq_model_update_acc_bits(sq_model *m)
{
	if (!(m->flags & SQM_FIXED))
		return;
	for (uint32_t l = 0; l < m->n_layers && l < SQ_MAX_LAYERS; l++)
		m->q[l].acc_bits = sq_layer_acc_bits(&m->q[l]);
}

int sq_layer_in_exp(const sq_model *m, uint32_t l)
{
	return l == 0 ? 0 : m->q[l - 1].out_exp;
}

int sq_row_shift(const sq_model *m, uint32_t l, uint32_t r)
{
	return sq_layer_in_exp(m, l) + m->q[l].w_exp[r] - m->q[l].out_exp;
}

bool sqm_key_ok(const uint8_t *k, size_t n)
{
	if (n < 1 || n > SQ_MAX_KEY)
		return false;
	for (size_t i = 0; i < n; i++)
		if (k[i] < 0x20 || k[i] > 0x7e || k[i] == '=')
			return false;
	return true;
}

bool sqm_utf8_ok(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		size_t len;
		uint32_t cp, min;
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			len = 2; cp = c & 0x1fu; min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3; cp = c & 0x0fu; min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4; cp = c & 0x07u; min = 0x10000;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t j = 1; j < len; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3fu);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

int sqm_check_topology(uint32_t flags, uint32_t n_layers, const uint32_t *dims, sq_err *err)
{
	const uint32_t known = SQM_FIXED | SQM_FLOAT | SQM_DUELING;
	if (flags & ~known)
		return sq_fail(err, SQ_E_INVALID, "flags 0x%x: unknown bits 0x%x", flags, flags & ~known);
	if (!(flags & (SQM_FIXED | SQM_FLOAT)))
		return sq_fail(err, SQ_E_INVALID, "flags 0x%x: neither FIXED nor FLOAT is set", flags);
	if ((flags & SQM_DUELING) && !(flags & SQM_FLOAT))
		return sq_fail(err, SQ_E_INVALID, "flags 0x%x: DUELING without FLOAT", flags);
	if (n_layers < 1 || n_layers > SQ_MAX_LAYERS)
		return sq_fail(err, SQ_E_INVALID, "n_layers %u out of range 1..%u", n_layers, SQ_MAX_LAYERS);
	for (uint32_t i = 0; i <= n_layers; i++)
		if (dims[i] < 1 || dims[i] > SQ_MAX_DIM)
			return sq_fail(err, SQ_E_INVALID, "dims[%u] = %u out of range 1..%u",
				       i, dims[i], SQ_MAX_DIM);
	return SQ_OK;
}

int sqm_check_input(const sq_model *m, sq_err *err)
{
	if (!m->in_exp)
		return sq_fail(err, SQ_E_INVALID, "input exponents missing");
	for (uint32_t i = 0; i < m->dims[0]; i++)
		if (m->in_exp[i] < IN_EXP_MIN || m->in_exp[i] > IN_EXP_MAX)
			return sq_fail(err, SQ_E_INVALID, "input feature %u: exponent %d out of range %d..%d",
				       i, m->in_exp[i], IN_EXP_MIN, IN_EXP_MAX);
	return SQ_OK;
}

/* Rows: exponents, shifts, biases (the per-row fields, in file order). */
static int check_rows(const sq_model *m, uint32_t l, sq_err *err)
{
	const sq_qlayer *q = &m->q[l];
	bool last = l + 1 == m->n_layers;
	int fa = sq_layer_in_exp(m, l);

	for (uint32_t r = 0; r < q->out_dim; r++) {
		int e = q->w_exp[r];
		if (e < W_EXP_MIN || e > W_EXP_MAX)
			return sq_fail(err, SQ_E_INVALID, "layer %u row %u: w_exp %d out of range %d..%d",
				       l, r, e, W_EXP_MIN, W_EXP_MAX);
		if (last && e != q->w_exp[0])
			return sq_fail(err, SQ_E_INVALID,
				       "layer %u (output) row %u: w_exp %d differs from row 0's %d",
				       l, r, e, q->w_exp[0]);
		if (!last) {
			int s = fa + e - q->out_exp;
			if (s < 0 || s > SQ_MAX_SHIFT)
				return sq_fail(err, SQ_E_INVALID,
					       "layer %u row %u: shift %d out of range 0..%d (fa %d + w_exp %d - out_exp %d)",
					       l, r, s, SQ_MAX_SHIFT, fa, e, q->out_exp);
		}
	}
	for (uint32_t r = 0; r < q->out_dim; r++) {
		int64_t b = q->bias[r];
		if (b <= -BIAS_LIMIT || b >= BIAS_LIMIT)
			return sq_fail(err, SQ_E_INVALID, "layer %u row %u: bias %lld out of range (|bias| < 2^47)",
				       l, r, (long long)b);
	}
	return SQ_OK;
}

/* CSR structure: row_ptr, then columns, then values. */
static int check_csr(const sq_model *m, uint32_t l, sq_err *err)
{
	const sq_qlayer *q = &m->q[l];
	const uint32_t *rp = q->row_ptr;
	int64_t amax = sq_amax(q->wbits);

	if (rp[0] != 0)
		return sq_fail(err, SQ_E_INVALID, "layer %u: row_ptr[0] = %u, must be 0", l, rp[0]);
	for (uint32_t r = 0; r < q->out_dim; r++)
		if (rp[r + 1] < rp[r])
			return sq_fail(err, SQ_E_INVALID, "layer %u row %u: row_ptr decreases from %u to %u",
				       l, r, rp[r], rp[r + 1]);
	if (rp[q->out_dim] != q->nnz)
		return sq_fail(err, SQ_E_INVALID, "layer %u: row_ptr[%u] = %u, must equal nnz %u",
			       l, q->out_dim, rp[q->out_dim], q->nnz);
	for (uint32_t r = 0; r < q->out_dim; r++) {
		for (uint32_t k = rp[r]; k < rp[r + 1]; k++) {
			uint32_t c = q->col[k];
			if (c >= q->in_dim)
				return sq_fail(err, SQ_E_INVALID,
					       "layer %u row %u: column %u out of range (in_dim %u) at nonzero %u",
					       l, r, c, q->in_dim, k);
			if (k > rp[r] && c <= q->col[k - 1])
				return sq_fail(err, SQ_E_INVALID,
					       "layer %u row %u: column %u not above previous column %u at nonzero %u",
					       l, r, c, q->col[k - 1], k);
		}
	}
	for (uint32_t r = 0; r < q->out_dim; r++) {
		for (uint32_t k = rp[r]; k < rp[r + 1]; k++) {
			int v = q->val[k];
			if (v == 0)
				return sq_fail(err, SQ_E_INVALID,
					       "layer %u row %u: weight 0 stored at nonzero %u (column %u)",
					       l, r, k, q->col[k]);
			if (v < -amax || v > amax)
				return sq_fail(err, SQ_E_INVALID,
					       "layer %u row %u: weight %d beyond the %u-bit range +-%lld at nonzero %u",
					       l, r, v, q->wbits, (long long)amax, k);
		}
	}
	return SQ_OK;
}

int sqm_check_qlayer(const sq_model *m, uint32_t l, sq_err *err)
{
	const sq_qlayer *q = &m->q[l];
	int rc;

	if (!q->w_exp || !q->bias || !q->row_ptr || (q->nnz && (!q->col || !q->val)))
		return sq_fail(err, SQ_E_INVALID, "layer %u: payload arrays missing", l);
	if (q->in_dim != m->dims[l])
		return sq_fail(err, SQ_E_INVALID, "layer %u: in_dim %u does not chain with dims[%u] = %u",
			       l, q->in_dim, l, m->dims[l]);
	if (q->out_dim != m->dims[l + 1])
		return sq_fail(err, SQ_E_INVALID, "layer %u: out_dim %u does not chain with dims[%u] = %u",
			       l, q->out_dim, l + 1, m->dims[l + 1]);
	if ((uint64_t)q->nnz > (uint64_t)q->in_dim * q->out_dim)
		return sq_fail(err, SQ_E_INVALID, "layer %u: nnz %u exceeds in_dim * out_dim = %llu",
			       l, q->nnz, (unsigned long long)q->in_dim * q->out_dim);
	if (!bits_ok(q->wbits))
		return sq_fail(err, SQ_E_INVALID, "layer %u: wbits %u out of range 2..16", l, q->wbits);
	if (!bits_ok(q->abits_in))
		return sq_fail(err, SQ_E_INVALID, "layer %u: abits_in %u out of range 2..16", l, q->abits_in);
	if (l + 1 == m->n_layers && q->out_exp != 0)
		return sq_fail(err, SQ_E_INVALID, "layer %u (output): out_exp %d, must be 0", l, q->out_exp);
	rc = check_rows(m, l, err);
	if (rc)
		return rc;
	rc = check_csr(m, l, err);
	if (rc)
		return rc;
	unsigned need = sq_layer_acc_bits(q);
	if (q->acc_bits != need)
		return sq_fail(err, SQ_E_INVALID,
			       "layer %u: acc_bits %u stored, weights and biases need %u",
			       l, q->acc_bits, need);
	if (need > SQ_MAX_ACC_BITS)
		return sq_fail(err, SQ_E_INVALID, "layer %u: acc_bits %u exceeds %d",
			       l, need, SQ_MAX_ACC_BITS);
	return SQ_OK;
}

int sqm_check_flayer(const sq_model *m, uint32_t l, sq_err *err)
{
	const sq_flayer *f = &m->f[l];
	uint32_t rows = m->dims[l + 1];
	if ((m->flags & SQM_DUELING) && l + 1 == m->n_layers)
		rows++;
	if (f->in_dim != m->dims[l])
		return sq_fail(err, SQ_E_INVALID, "float layer %u: in_dim %u does not chain with dims[%u] = %u",
			       l, f->in_dim, l, m->dims[l]);
	if (f->rows != rows)
		return sq_fail(err, SQ_E_INVALID, "float layer %u: %u rows, expected %u%s",
			       l, f->rows, rows, rows != m->dims[l + 1] ? " (dueling)" : "");
	if (!f->w || !f->b)
		return sq_fail(err, SQ_E_INVALID, "float layer %u: payload arrays missing", l);
	for (uint32_t r = 0; r < f->rows; r++)
		for (uint32_t c = 0; c < f->in_dim; c++)
			if (!isfinite(f->w[(size_t)r * f->in_dim + c]))
				return sq_fail(err, SQ_E_INVALID,
					       "float layer %u row %u: weight %u is not finite", l, r, c);
	for (uint32_t r = 0; r < f->rows; r++)
		if (!isfinite(f->b[r]))
			return sq_fail(err, SQ_E_INVALID, "float layer %u row %u: bias is not finite", l, r);
	return SQ_OK;
}

int sqm_check_meta(const sq_model *m, sq_err *err)
{
	if (m->n_meta > SQ_MAX_META)
		return sq_fail(err, SQ_E_INVALID, "metadata: %u entries, the limit is %u",
			       m->n_meta, SQ_MAX_META);
	if (m->n_meta && !m->meta)
		return sq_fail(err, SQ_E_INVALID, "metadata: entries missing");
	for (uint32_t i = 0; i < m->n_meta; i++) {
		const sq_meta_entry *e = &m->meta[i];
		if (!e->key || !e->value)
			return sq_fail(err, SQ_E_INVALID, "metadata entry %u: key or value missing", i);
		size_t kl = strlen(e->key), vl = strlen(e->value);
		if (!sqm_key_ok((const uint8_t *)e->key, kl))
			return sq_fail(err, SQ_E_INVALID,
				       "metadata entry %u: key of %zu bytes: need 1..%u printable ASCII bytes without '='",
				       i, kl, SQ_MAX_KEY);
		if (vl > SQ_MAX_VALUE)
			return sq_fail(err, SQ_E_INVALID, "metadata entry %u ('%s'): value of %zu bytes exceeds %u",
				       i, e->key, vl, SQ_MAX_VALUE);
		if (!sqm_utf8_ok((const uint8_t *)e->value, vl))
			return sq_fail(err, SQ_E_INVALID, "metadata entry %u ('%s'): value is not valid UTF-8",
				       i, e->key);
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(m->meta[j].key, e->key) == 0)
				return sq_fail(err, SQ_E_INVALID,
					       "metadata entry %u: duplicate key '%s' (first at entry %u)",
					       i, e->key, j);
	}
	return SQ_OK;
}

int sq_model_validate(const sq_model *m, sq_err *err)
{
	int rc = sqm_check_topology(m->flags, m->n_layers, m->dims, err);
	if (rc)
		return rc;
	if (m->flags & SQM_FIXED) {
		rc = sqm_check_input(m, err);
		for (uint32_t l = 0; !rc && l < m->n_layers; l++)
			rc = sqm_check_qlayer(m, l, err);
		if (rc)
			return rc;
	}
	if (m->flags & SQM_FLOAT) {
		for (uint32_t l = 0; !rc && l < m->n_layers; l++)
			rc = sqm_check_flayer(m, l, err);
		if (rc)
			return rc;
	}
	return sqm_check_meta(m, err);
}
