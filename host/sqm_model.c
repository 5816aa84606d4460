/*
 * sqm_model.c - the in-memory sparq model: error strings, construction,
 * deep copy, metadata (sqm.h).
 *
 * A fresh model from sq_model_new already satisfies sq_model_validate: every
 * fixed layer is empty (nnz 0, biases 0) with wbits = abits_in = 8, out_exp 0,
 * w_exp 0 and the matching acc_bits (2); every float array is zero. Callers
 * fill in the payload, then call sq_model_update_acc_bits.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqm.h"
#include "sqm_internal.h"

#define SQ_DEFAULT_BITS 8u

const char *sq_strerror(int code)
{
	switch (code) {
	case SQ_OK:        return "success";
	case SQ_E_IO:      return "input/output error";
	case SQ_E_FORMAT:  return "malformed model file";
	case SQ_E_INVALID: return "invalid model or argument";
	case SQ_E_NOMEM:   return "out of memory";
	case SQ_E_RANGE:   return "value out of range";
	default:           return "unknown error";
	}
}

int sq_fail(sq_err *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* calloc of n elements of size sz, with the product checked; n = 0 gives a
 * valid 1-byte block so that NULL always means failure. */
static void *xcalloc(size_t n, size_t sz)
{
	if (sz && n > SIZE_MAX / sz)
		return NULL;
	return calloc(n ? n : 1, sz);
}

static void free_payload(sq_model *m)
{
	free(m->in_exp);
	for (uint32_t l = 0; l < SQ_MAX_LAYERS; l++) {
		sq_qlayer *q = &m->q[l];
		free(q->w_exp);
		free(q->bias);
		free(q->row_ptr);
		free(q->col);
		free(q->val);
		free(m->f[l].w);
		free(m->f[l].b);
	}
	for (uint32_t i = 0; i < m->n_meta; i++) {
		free(m->meta[i].key);
		free(m->meta[i].value);
	}
	free(m->meta);
}

void sq_model_free(sq_model *m)
{
	if (!m)
		return;
	free_payload(m);
	free(m);
}

/* Rows of float layer l: one more for a dueling last layer (value head). */
static uint32_t float_rows(const sq_model *m, uint32_t l)
{
	uint32_t rows = m->dims[l + 1];
	if ((m->flags & SQM_DUELING) && l + 1 == m->n_layers)
		rows++;
	return rows;
}

int sq_model_new(uint32_t n_layers, const uint32_t *dims, uint32_t flags,
		 sq_model **out, sq_err *err)
{
	int rc;
	*out = NULL;
	rc = sqm_check_topology(flags, n_layers, dims, err);
	if (rc)
		return rc;
	sq_model *m = calloc(1, sizeof *m);
	if (!m)
		return sq_fail(err, SQ_E_NOMEM, "out of memory allocating a model");
	m->flags = flags;
	m->n_layers = n_layers;
	memcpy(m->dims, dims, (size_t)(n_layers + 1) * sizeof dims[0]);

	if (flags & SQM_FIXED) {
		m->in_exp = xcalloc(dims[0], sizeof *m->in_exp);
		if (!m->in_exp)
			goto out_nomem;
		for (uint32_t l = 0; l < n_layers; l++) {
			sq_qlayer *q = &m->q[l];
			q->in_dim = dims[l];
			q->out_dim = dims[l + 1];
			q->wbits = SQ_DEFAULT_BITS;
			q->abits_in = SQ_DEFAULT_BITS;
			q->w_exp = xcalloc(q->out_dim, sizeof *q->w_exp);
			q->bias = xcalloc(q->out_dim, sizeof *q->bias);
			q->row_ptr = xcalloc((size_t)q->out_dim + 1, sizeof *q->row_ptr);
			if (!q->w_exp || !q->bias || !q->row_ptr)
				goto out_nomem;
			q->acc_bits = sq_layer_acc_bits(q);
		}
	}
	if (flags & SQM_FLOAT) {
		for (uint32_t l = 0; l < n_layers; l++) {
			sq_flayer *f = &m->f[l];
			f->in_dim = dims[l];
			f->rows = float_rows(m, l);
			f->w = xcalloc((size_t)f->rows * f->in_dim, sizeof *f->w);
			f->b = xcalloc(f->rows, sizeof *f->b);
			if (!f->w || !f->b)
				goto out_nomem;
		}
	}
	*out = m;
	return SQ_OK;

out_nomem:
	sq_model_free(m);
	return sq_fail(err, SQ_E_NOMEM, "out of memory allocating a %u-layer model", n_layers);
}

int sq_qlayer_reserve(sq_qlayer *L, uint32_t nnz, sq_err *err)
{
	if ((uint64_t)nnz > (uint64_t)L->in_dim * L->out_dim)
		return sq_fail(err, SQ_E_RANGE, "nnz %u exceeds in_dim * out_dim = %llu",
			       nnz, (unsigned long long)L->in_dim * L->out_dim);
	size_t n = nnz ? nnz : 1;
	uint16_t *col = realloc(L->col, n * sizeof *col);
	if (!col)
		return sq_fail(err, SQ_E_NOMEM, "out of memory reserving %u nonzeros", nnz);
	L->col = col;
	int16_t *val = realloc(L->val, n * sizeof *val);
	if (!val)
		return sq_fail(err, SQ_E_NOMEM, "out of memory reserving %u nonzeros", nnz);
	L->val = val;
	L->nnz = nnz;
	return SQ_OK;
}

static char *dup_bytes(const char *s)
{
	size_t n = strlen(s);
	char *d = malloc(n + 1);
	if (d)
		memcpy(d, s, n + 1);
	return d;
}

int sq_model_clone(const sq_model *m, sq_model **out, sq_err *err)
{
	sq_model *c;
	int rc = sq_model_new(m->n_layers, m->dims, m->flags, &c, err);
	*out = NULL;
	if (rc)
		return rc;
	if (m->flags & SQM_FIXED) {
		memcpy(c->in_exp, m->in_exp, m->dims[0] * sizeof *c->in_exp);
		for (uint32_t l = 0; l < m->n_layers; l++) {
			const sq_qlayer *s = &m->q[l];
			sq_qlayer *d = &c->q[l];
			uint32_t od = d->out_dim;
			rc = sq_qlayer_reserve(d, s->nnz, err);
			if (rc)
				goto out_free;
			d->wbits = s->wbits;
			d->abits_in = s->abits_in;
			d->acc_bits = s->acc_bits;
			d->out_exp = s->out_exp;
			memcpy(d->w_exp, s->w_exp, od * sizeof *d->w_exp);
			memcpy(d->bias, s->bias, od * sizeof *d->bias);
			memcpy(d->row_ptr, s->row_ptr, ((size_t)od + 1) * sizeof *d->row_ptr);
			if (s->nnz) {
				memcpy(d->col, s->col, s->nnz * sizeof *d->col);
				memcpy(d->val, s->val, s->nnz * sizeof *d->val);
			}
		}
	}
	if (m->flags & SQM_FLOAT) {
		for (uint32_t l = 0; l < m->n_layers; l++) {
			const sq_flayer *s = &m->f[l];
			sq_flayer *d = &c->f[l];
			memcpy(d->w, s->w, (size_t)d->rows * d->in_dim * sizeof *d->w);
			memcpy(d->b, s->b, d->rows * sizeof *d->b);
		}
	}
	for (uint32_t i = 0; i < m->n_meta; i++) {
		rc = sq_meta_set(c, m->meta[i].key, m->meta[i].value, err);
		if (rc)
			goto out_free;
	}
	*out = c;
	return SQ_OK;

out_free:
	sq_model_free(c);
	return rc;
}

const char *sq_meta_get(const sq_model *m, const char *key)
{
	for (uint32_t i = 0; i < m->n_meta; i++)
		if (strcmp(m->meta[i].key, key) == 0)
			return m->meta[i].value;
	return NULL;
}

int sq_meta_set(sq_model *m, const char *key, const char *value, sq_err *err)
{
	size_t klen = strlen(key), vlen = strlen(value);
	if (!sqm_key_ok((const uint8_t *)key, klen))
		return sq_fail(err, SQ_E_INVALID,
			       "metadata key of %zu bytes: need 1..%u printable ASCII bytes without '='",
			       klen, SQ_MAX_KEY);
	if (vlen > SQ_MAX_VALUE)
		return sq_fail(err, SQ_E_INVALID, "metadata '%s': value of %zu bytes exceeds %u",
			       key, vlen, SQ_MAX_VALUE);
	if (!sqm_utf8_ok((const uint8_t *)value, vlen))
		return sq_fail(err, SQ_E_INVALID, "metadata '%s': value is not valid UTF-8", key);

	char *v = dup_bytes(value);
	if (!v)
		return sq_fail(err, SQ_E_NOMEM, "out of memory for metadata '%s'", key);
	for (uint32_t i = 0; i < m->n_meta; i++) {
		if (strcmp(m->meta[i].key, key) == 0) {
			free(m->meta[i].value);
			m->meta[i].value = v;
			return SQ_OK;
		}
	}
	if (m->n_meta >= SQ_MAX_META) {
		free(v);
		return sq_fail(err, SQ_E_RANGE, "metadata '%s': already %u entries (the limit)",
			       key, SQ_MAX_META);
	}
	char *k = dup_bytes(key);
	sq_meta_entry *e = realloc(m->meta, (m->n_meta + 1) * sizeof *e);
	if (!k || !e) {
		free(k);
		free(v);
		if (e)
			m->meta = e;
		return sq_fail(err, SQ_E_NOMEM, "out of memory for metadata '%s'", key);
	}
	m->meta = e;
	m->meta[m->n_meta].key = k;
	m->meta[m->n_meta].value = v;
	m->n_meta++;
	return SQ_OK;
}
