/*
 * sqm_read.c - parses and validates a .sqm file (docs/model-format.md).
 *
 * Input: any bytes. Output: a model that satisfies sq_model_validate, or one
 * line "name: what, where, with numbers" and a negative code. The checks run
 * in file order and stop at the first problem: header, size, CRC (early, so
 * random corruption reads as a CRC mismatch), then each section (placement,
 * length, fields, then the section's content rules from sqm_validate.c).
 *
 * Safety: every multi-byte field is decoded byte by byte through a cursor
 * that is bounded by its section; every section length is checked against
 * the bytes left before anything in it is read; the topology's minimum size is
 * checked against file_size before the payload arrays are allocated, so
 * memory use is bounded by a small multiple of the file size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32.h"
#include "sqm.h"
#include "sqm_internal.h"

static const uint8_t sqm_magic[4] = { 0x53, 0x51, 0x4d, 0x31 };

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32);
}

/* A bounded cursor over one section's payload. Reading past the end sets
 * bad and yields zeros; the parser checks lengths first, so bad is a second
 * line of defence. */
typedef struct cur {
	const uint8_t *p;
	size_t n, off;
	bool bad;
} cur;

static const uint8_t *take(cur *c, size_t k)
{
	static const uint8_t zeros[8];
	if (c->bad || k > c->n - c->off) {
		c->bad = true;
		return zeros;
	}
	const uint8_t *q = c->p + c->off;
	c->off += k;
	return q;
}

static uint8_t g8(cur *c) { return *take(c, 1); }
static uint16_t g16(cur *c) { return le16(take(c, 2)); }
static uint32_t g32(cur *c) { return le32(take(c, 4)); }
static uint64_t g64(cur *c) { return le64(take(c, 8)); }

static float gf32(cur *c)
{
	uint32_t u = g32(c);
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

typedef struct rd {
	const char *name;
	sq_err *err;
	uint32_t file_size;
	uint32_t flags;
	sq_model *m;
	/* the section being parsed, for messages */
	uint32_t sec;       /* 1-based */
	uint32_t type;
	uint32_t type_index; /* layer number of a layer section */
	size_t sec_off;
	/* sections seen so far */
	uint32_t n_topo, n_input, n_fixed, n_float, n_meta;
	uint8_t in_abits;
} rd;

/* "name: message" */
__attribute__((format(printf, 3, 4)))
static int rfail(rd *r, int code, const char *fmt, ...)
{
	char msg[sizeof r->err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sq_fail(r->err, code, "%s: %s", r->name, msg);
}

static const char *type_name(uint32_t t)
{
	switch (t) {
	case SQM_SEC_TOPOLOGY:    return "TOPOLOGY";
	case SQM_SEC_INPUT_QUANT: return "INPUT_QUANT";
	case SQM_SEC_FIXED_LAYER: return "FIXED_LAYER";
	case SQM_SEC_FLOAT_LAYER: return "FLOAT_LAYER";
	case SQM_SEC_METADATA:    return "METADATA";
	default:                  return NULL;
	}
}

/* "name: section 4 (FIXED_LAYER 1) at offset 612: message" */
__attribute__((format(printf, 3, 4)))
static int sfail(rd *r, int code, const char *fmt, ...)
{
	char msg[sizeof r->err->msg];
	char what[40];
	const char *tn = type_name(r->type);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!tn)
		snprintf(what, sizeof what, "type %u", r->type);
	else if (r->type == SQM_SEC_FIXED_LAYER || r->type == SQM_SEC_FLOAT_LAYER)
		snprintf(what, sizeof what, "%s %u", tn, r->type_index);
	else
		snprintf(what, sizeof what, "%s", tn);
	return sq_fail(r->err, code, "%s: section %u (%s) at offset %zu: %s",
		       r->name, r->sec, what, r->sec_off, msg);
}

/* A content check of sqm_validate.c, reported with the file name. */
static int content(rd *r, int rc, const sq_err *e)
{
	if (rc)
		return rfail(r, SQ_E_FORMAT, "%s", e->msg);
	return SQ_OK;
}

static int check_header(rd *r, const uint8_t *buf, size_t len)
{
	if (len < SQM_HEADER_SIZE)
		return rfail(r, SQ_E_FORMAT, "truncated: header needs %u bytes, file has %zu",
			     SQM_HEADER_SIZE, len);
	if (memcmp(buf, sqm_magic, 4) != 0)
		return rfail(r, SQ_E_FORMAT, "bad magic %02x %02x %02x %02x (expected 53 51 4d 31)",
			     buf[0], buf[1], buf[2], buf[3]);
	uint16_t version = le16(buf + 4), hsize = le16(buf + 6);
	if (version != SQM_VERSION)
		return rfail(r, SQ_E_FORMAT, "unsupported version %u (this build reads %u)",
			     version, SQM_VERSION);
	if (hsize != SQM_HEADER_SIZE)
		return rfail(r, SQ_E_FORMAT, "header_size %u, expected %u", hsize, SQM_HEADER_SIZE);
	uint32_t fs = le32(buf + 8);
	if (fs < SQM_HEADER_SIZE || fs > SQM_MAX_FILE)
		return rfail(r, SQ_E_FORMAT, "file_size %u out of range %u..%u",
			     fs, SQM_HEADER_SIZE, SQM_MAX_FILE);
	if (len < fs)
		return rfail(r, SQ_E_FORMAT, "truncated: file_size says %u bytes, file has %zu",
			     fs, len);
	if (len > fs)
		return rfail(r, SQ_E_FORMAT, "%zu trailing bytes after file_size %u (file has %zu)",
			     len - fs, fs, len);
	r->file_size = fs;

	static const uint8_t zero4[4];
	uint32_t want = le32(buf + 12);
	uint32_t got = sq_crc32_update(sq_crc32_update(sq_crc32_update(0, buf, 12), zero4, 4),
				       buf + 16, len - 16);
	if (want != got)
		return rfail(r, SQ_E_FORMAT, "crc32 mismatch: header says 0x%08x, contents give 0x%08x",
			     want, got);

	uint32_t flags = le32(buf + 16);
	const uint32_t known = SQM_FIXED | SQM_FLOAT | SQM_DUELING;
	if (flags & ~known)
		return rfail(r, SQ_E_FORMAT, "flags 0x%x: unknown bits 0x%x", flags, flags & ~known);
	if (!(flags & (SQM_FIXED | SQM_FLOAT)))
		return rfail(r, SQ_E_FORMAT, "flags 0x%x: neither FIXED nor FLOAT is set", flags);
	if ((flags & SQM_DUELING) && !(flags & SQM_FLOAT))
		return rfail(r, SQ_E_FORMAT, "flags 0x%x: DUELING without FLOAT", flags);
	r->flags = flags;
	uint32_t nsec = le32(buf + 20);
	if (nsec < 1 || nsec > SQM_MAX_SECTIONS)
		return rfail(r, SQ_E_FORMAT, "section_count %u out of range 1..%u", nsec, SQM_MAX_SECTIONS);
	for (unsigned i = 24; i < 32; i++)
		if (buf[i])
			return rfail(r, SQ_E_FORMAT, "reserved header byte %u is 0x%02x, must be 0", i, buf[i]);
	return SQ_OK;
}

/* Placement rules: TOPOLOGY first, then INPUT_QUANT and the FIXED_LAYERs
 * (FIXED), then the FLOAT_LAYERs (FLOAT), then at most one METADATA. */
static int check_order(rd *r)
{
	uint32_t L = r->m ? r->m->n_layers : 0;
	bool fixed = r->flags & SQM_FIXED, flt = r->flags & SQM_FLOAT;

	if (r->type == SQM_SEC_TOPOLOGY)
		return r->n_topo ? sfail(r, SQ_E_FORMAT, "duplicate TOPOLOGY section") : SQ_OK;
	if (!r->n_topo)
		return sfail(r, SQ_E_FORMAT, "the first section must be TOPOLOGY");
	switch (r->type) {
	case SQM_SEC_INPUT_QUANT:
		if (!fixed)
			return sfail(r, SQ_E_FORMAT, "INPUT_QUANT in a model without FIXED (flags 0x%x)", r->flags);
		if (r->n_input)
			return sfail(r, SQ_E_FORMAT, "duplicate INPUT_QUANT section");
		if (r->n_fixed || r->n_float || r->n_meta)
			return sfail(r, SQ_E_FORMAT, "INPUT_QUANT out of order (it follows TOPOLOGY)");
		return SQ_OK;
	case SQM_SEC_FIXED_LAYER:
		if (!fixed)
			return sfail(r, SQ_E_FORMAT, "FIXED_LAYER in a model without FIXED (flags 0x%x)", r->flags);
		if (!r->n_input)
			return sfail(r, SQ_E_FORMAT, "FIXED_LAYER before INPUT_QUANT (out of order)");
		if (r->n_float || r->n_meta)
			return sfail(r, SQ_E_FORMAT, "FIXED_LAYER after %s (out of order)",
				     r->n_meta ? "METADATA" : "FLOAT_LAYER");
		if (r->n_fixed >= L)
			return sfail(r, SQ_E_FORMAT, "extra FIXED_LAYER: the model has %u layers", L);
		return SQ_OK;
	case SQM_SEC_FLOAT_LAYER:
		if (!flt)
			return sfail(r, SQ_E_FORMAT, "FLOAT_LAYER in a model without FLOAT (flags 0x%x)", r->flags);
		if (fixed && r->n_fixed < L)
			return sfail(r, SQ_E_FORMAT, "FLOAT_LAYER before all %u FIXED_LAYER sections (found %u)",
				     L, r->n_fixed);
		if (r->n_meta)
			return sfail(r, SQ_E_FORMAT, "FLOAT_LAYER after METADATA (out of order)");
		if (r->n_float >= L)
			return sfail(r, SQ_E_FORMAT, "extra FLOAT_LAYER: the model has %u layers", L);
		return SQ_OK;
	case SQM_SEC_METADATA:
		if (r->n_meta)
			return sfail(r, SQ_E_FORMAT, "duplicate METADATA section");
		if ((fixed && r->n_fixed < L) || (flt && r->n_float < L))
			return sfail(r, SQ_E_FORMAT, "METADATA before the layer sections (out of order)");
		return SQ_OK;
	default:
		return sfail(r, SQ_E_FORMAT, "unknown section type %u", r->type);
	}
}

/* Smallest file a topology can make: every section with empty layers. */
static uint64_t min_file_size(uint32_t flags, uint32_t L, const uint32_t *dims)
{
	uint64_t n = SQM_HEADER_SIZE + SQM_SEC_HDR + 4u + 4u * ((uint64_t)L + 1u);
	if (flags & SQM_FIXED) {
		n += SQM_SEC_HDR + sqm_pad4(4u + (uint64_t)dims[0]);
		for (uint32_t l = 0; l < L; l++)
			n += SQM_SEC_HDR + sqm_pad4(sqm_qlayer_len(dims[l + 1], 0));
	}
	if (flags & SQM_FLOAT) {
		for (uint32_t l = 0; l < L; l++) {
			uint32_t rows = dims[l + 1] + ((flags & SQM_DUELING) && l + 1 == L ? 1u : 0u);
			n += SQM_SEC_HDR + sqm_flayer_len(dims[l], rows);
		}
	}
	return n;
}

static int read_topology(rd *r, cur *c)
{
	uint32_t dims[SQ_MAX_LAYERS + 1];
	sq_err e;
	if (c->n < 4)
		return sfail(r, SQ_E_FORMAT, "length %zu too short for n_layers", c->n);
	uint32_t L = g32(c);
	if (L < 1 || L > SQ_MAX_LAYERS)
		return sfail(r, SQ_E_FORMAT, "n_layers %u out of range 1..%u", L, SQ_MAX_LAYERS);
	if (c->n != 4u + 4u * ((size_t)L + 1u))
		return sfail(r, SQ_E_FORMAT, "length %zu, expected %u for %u layers",
			     c->n, 4u + 4u * (L + 1u), L);
	for (uint32_t i = 0; i <= L; i++) {
		dims[i] = g32(c);
		if (dims[i] < 1 || dims[i] > SQ_MAX_DIM)
			return sfail(r, SQ_E_FORMAT, "dims[%u] = %u out of range 1..%u", i, dims[i], SQ_MAX_DIM);
	}
	uint64_t need = min_file_size(r->flags, L, dims);
	if (need > r->file_size)
		return sfail(r, SQ_E_FORMAT, "this topology needs at least %llu bytes, file_size is %u",
			     (unsigned long long)need, r->file_size);
	int rc = sq_model_new(L, dims, r->flags, &r->m, &e);
	if (rc)
		return rfail(r, rc, "%s", e.msg);
	return SQ_OK;
}

static int read_input(rd *r, cur *c)
{
	sq_model *m = r->m;
	sq_err e;
	if (c->n != 4u + (size_t)m->dims[0])
		return sfail(r, SQ_E_FORMAT, "length %zu, expected %u (4 + dims[0])", c->n, 4u + m->dims[0]);
	r->in_abits = g8(c);
	if (r->in_abits < 2 || r->in_abits > 16)
		return sfail(r, SQ_E_FORMAT, "abits %u out of range 2..16", r->in_abits);
	for (unsigned i = 1; i < 4; i++) {
		uint8_t b = g8(c);
		if (b)
			return sfail(r, SQ_E_FORMAT, "reserved byte %u is 0x%02x, must be 0", i, b);
	}
	for (uint32_t i = 0; i < m->dims[0]; i++)
		m->in_exp[i] = (int8_t)g8(c);
	return content(r, sqm_check_input(m, &e), &e);
}

static int read_fixed_layer(rd *r, cur *c)
{
	sq_model *m = r->m;
	uint32_t l = r->n_fixed;
	sq_qlayer *q = &m->q[l];
	sq_err e;
	int rc;

	if (c->n < SQM_QLAYER_HDR)
		return sfail(r, SQ_E_FORMAT, "length %zu shorter than the %u-byte layer header",
			     c->n, SQM_QLAYER_HDR);
	uint32_t index = g32(c), in_dim = g32(c), out_dim = g32(c), nnz = g32(c);
	if (index != l)
		return sfail(r, SQ_E_FORMAT, "layer index %u, expected %u", index, l);
	if (in_dim != m->dims[l])
		return rfail(r, SQ_E_FORMAT, "layer %u: in_dim %u does not chain with dims[%u] = %u",
			     l, in_dim, l, m->dims[l]);
	if (out_dim != m->dims[l + 1])
		return rfail(r, SQ_E_FORMAT, "layer %u: out_dim %u does not chain with dims[%u] = %u",
			     l, out_dim, l + 1, m->dims[l + 1]);
	if ((uint64_t)nnz > (uint64_t)in_dim * out_dim)
		return rfail(r, SQ_E_FORMAT, "layer %u: nnz %u exceeds in_dim * out_dim = %llu",
			     l, nnz, (unsigned long long)in_dim * out_dim);
	uint64_t need = sqm_qlayer_len(out_dim, nnz);
	if (c->n < need)
		return sfail(r, SQ_E_FORMAT, "nnz %u needs %llu bytes, section has %zu",
			     nnz, (unsigned long long)need, c->n);
	if (c->n > need)
		return sfail(r, SQ_E_FORMAT, "%llu trailing bytes after the fields (length %zu, fields take %llu)",
			     (unsigned long long)(c->n - need), c->n, (unsigned long long)need);
	rc = sq_qlayer_reserve(q, nnz, &e);
	if (rc)
		return rfail(r, rc, "layer %u: %s", l, e.msg);
	q->wbits = g8(c);
	q->abits_in = g8(c);
	q->acc_bits = g8(c);
	q->out_exp = (int8_t)g8(c);
	for (uint32_t i = 0; i < out_dim; i++)
		q->w_exp[i] = (int8_t)g8(c);
	while (c->off % 4u) {
		size_t at = c->off;
		uint8_t b = g8(c);
		if (b)
			return sfail(r, SQ_E_FORMAT, "padding byte at payload offset %zu is 0x%02x, must be 0",
				     at, b);
	}
	for (uint32_t i = 0; i < out_dim; i++)
		q->bias[i] = (int64_t)g64(c);
	for (uint32_t i = 0; i <= out_dim; i++)
		q->row_ptr[i] = g32(c);
	for (uint32_t k = 0; k < nnz; k++)
		q->col[k] = g16(c);
	for (uint32_t k = 0; k < nnz; k++)
		q->val[k] = (int16_t)g16(c);
	if (c->bad || c->off != c->n)
		return sfail(r, SQ_E_FORMAT, "internal length mismatch");
	if (l == 0 && q->abits_in != r->in_abits && q->abits_in >= 2 && q->abits_in <= 16)
		return rfail(r, SQ_E_FORMAT, "layer 0: abits_in %u differs from INPUT_QUANT abits %u",
			     q->abits_in, r->in_abits);
	return content(r, sqm_check_qlayer(m, l, &e), &e);
}

static int read_float_layer(rd *r, cur *c)
{
	sq_model *m = r->m;
	uint32_t l = r->n_float;
	sq_flayer *f = &m->f[l];
	sq_err e;

	if (c->n < SQM_FLAYER_HDR)
		return sfail(r, SQ_E_FORMAT, "length %zu shorter than the %u-byte layer header",
			     c->n, SQM_FLAYER_HDR);
	uint32_t index = g32(c), in_dim = g32(c), rows = g32(c);
	if (index != l)
		return sfail(r, SQ_E_FORMAT, "layer index %u, expected %u", index, l);
	if (in_dim != m->dims[l])
		return rfail(r, SQ_E_FORMAT, "float layer %u: in_dim %u does not chain with dims[%u] = %u",
			     l, in_dim, l, m->dims[l]);
	if (rows != f->rows)
		return rfail(r, SQ_E_FORMAT, "float layer %u: %u rows, expected %u%s",
			     l, rows, f->rows, f->rows != m->dims[l + 1] ? " (dueling)" : "");
	uint64_t need = sqm_flayer_len(in_dim, rows);
	if (c->n != need)
		return sfail(r, SQ_E_FORMAT, "length %zu, expected %llu for %u x %u weights",
			     c->n, (unsigned long long)need, rows, in_dim);
	for (size_t i = 0; i < (size_t)rows * in_dim; i++)
		f->w[i] = gf32(c);
	for (uint32_t i = 0; i < rows; i++)
		f->b[i] = gf32(c);
	if (c->bad || c->off != c->n)
		return sfail(r, SQ_E_FORMAT, "internal length mismatch");
	return content(r, sqm_check_flayer(m, l, &e), &e);
}

static int read_meta(rd *r, cur *c)
{
	sq_model *m = r->m;
	sq_err e;
	char key[SQ_MAX_KEY + 1];

	if (c->n < 4)
		return sfail(r, SQ_E_FORMAT, "length %zu too short for the entry count", c->n);
	uint32_t count = g32(c);
	if (count > SQ_MAX_META)
		return rfail(r, SQ_E_FORMAT, "metadata: count %u exceeds %u", count, SQ_MAX_META);
	for (uint32_t i = 0; i < count; i++) {
		if (c->n - c->off < 2)
			return sfail(r, SQ_E_FORMAT, "metadata entry %u: key_len runs past the section end", i);
		uint16_t kl = g16(c);
		if (kl < 1 || kl > SQ_MAX_KEY)
			return rfail(r, SQ_E_FORMAT, "metadata entry %u: key_len %u out of range 1..%u",
				     i, kl, SQ_MAX_KEY);
		if (c->n - c->off < kl)
			return sfail(r, SQ_E_FORMAT, "metadata entry %u: key of %u bytes runs past the section end (%zu left)",
				     i, kl, c->n - c->off);
		const uint8_t *k = take(c, kl);
		if (!sqm_key_ok(k, kl))
			return rfail(r, SQ_E_FORMAT, "metadata entry %u: key is not printable ASCII without '='", i);
		memcpy(key, k, kl);
		key[kl] = '\0';
		if (c->n - c->off < 4)
			return sfail(r, SQ_E_FORMAT, "metadata entry %u ('%s'): value_len runs past the section end",
				     i, key);
		uint32_t vl = g32(c);
		if (vl > SQ_MAX_VALUE)
			return rfail(r, SQ_E_FORMAT, "metadata entry %u ('%s'): value_len %u exceeds %u",
				     i, key, vl, SQ_MAX_VALUE);
		if (c->n - c->off < vl)
			return sfail(r, SQ_E_FORMAT, "metadata entry %u ('%s'): value of %u bytes runs past the section end (%zu left)",
				     i, key, vl, c->n - c->off);
		const uint8_t *v = take(c, vl);
		if (!sqm_utf8_ok(v, vl))
			return rfail(r, SQ_E_FORMAT, "metadata entry %u ('%s'): value is not UTF-8 text without NUL",
				     i, key);
		for (uint32_t j = 0; j < m->n_meta; j++)
			if (strcmp(m->meta[j].key, key) == 0)
				return rfail(r, SQ_E_FORMAT, "metadata entry %u: duplicate key '%s' (first at entry %u)",
					     i, key, j);
		char *val = malloc((size_t)vl + 1);
		if (!val)
			return rfail(r, SQ_E_NOMEM, "out of memory for metadata entry %u", i);
		memcpy(val, v, vl);
		val[vl] = '\0';
		int rc = sq_meta_set(m, key, val, &e);
		free(val);
		if (rc)
			return rfail(r, rc, "metadata entry %u: %s", i, e.msg);
	}
	if (c->off != c->n)
		return sfail(r, SQ_E_FORMAT, "%zu trailing bytes after %u metadata entries",
			     c->n - c->off, count);
	return SQ_OK;
}

static int read_sections(rd *r, const uint8_t *buf)
{
	uint32_t nsec = le32(buf + 20);
	size_t off = SQM_HEADER_SIZE, end = r->file_size;
	int rc = SQ_OK;

	while (!rc && off < end) {
		r->sec++;
		r->sec_off = off;
		r->type = 0;
		if (end - off < SQM_SEC_HDR)
			return rfail(r, SQ_E_FORMAT, "section %u at offset %zu: truncated section header (%zu bytes left)",
				     r->sec, off, end - off);
		r->type = le32(buf + off);
		uint32_t len = le32(buf + off + 4);
		r->type_index = r->type == SQM_SEC_FIXED_LAYER ? r->n_fixed : r->n_float;
		if (r->sec > nsec)
			return sfail(r, SQ_E_FORMAT, "more sections than section_count %u", nsec);
		rc = check_order(r);
		if (rc)
			return rc;
		size_t left = end - off - SQM_SEC_HDR;
		if (len > left)
			return sfail(r, SQ_E_FORMAT, "length %u runs past end of file (%u bytes)",
				     len, r->file_size);
		size_t padded = (size_t)sqm_pad4(len);
		if (padded > left)
			return sfail(r, SQ_E_FORMAT, "padding to a 4-byte boundary runs past end of file (%u bytes)",
				     r->file_size);
		for (size_t i = len; i < padded; i++)
			if (buf[off + SQM_SEC_HDR + i])
				return sfail(r, SQ_E_FORMAT, "padding byte at offset %zu is 0x%02x, must be 0",
					     off + SQM_SEC_HDR + i, buf[off + SQM_SEC_HDR + i]);
		cur c = { buf + off + SQM_SEC_HDR, len, 0, false };
		switch (r->type) {
		case SQM_SEC_TOPOLOGY:
			rc = read_topology(r, &c);
			r->n_topo++;
			break;
		case SQM_SEC_INPUT_QUANT:
			rc = read_input(r, &c);
			r->n_input++;
			break;
		case SQM_SEC_FIXED_LAYER:
			rc = read_fixed_layer(r, &c);
			r->n_fixed++;
			break;
		case SQM_SEC_FLOAT_LAYER:
			rc = read_float_layer(r, &c);
			r->n_float++;
			break;
		default: /* METADATA; check_order rejected the rest */
			rc = read_meta(r, &c);
			r->n_meta++;
			break;
		}
		off += SQM_SEC_HDR + padded;
	}
	return rc;
}

static int check_complete(rd *r, const uint8_t *buf)
{
	uint32_t nsec = le32(buf + 20);
	uint32_t L = r->m ? r->m->n_layers : 0;
	if (!r->n_topo)
		return rfail(r, SQ_E_FORMAT, "no TOPOLOGY section");
	if ((r->flags & SQM_FIXED) && !r->n_input)
		return rfail(r, SQ_E_FORMAT, "missing INPUT_QUANT section (flags has FIXED)");
	if ((r->flags & SQM_FIXED) && r->n_fixed < L)
		return rfail(r, SQ_E_FORMAT, "missing FIXED_LAYER %u (the model has %u layers)", r->n_fixed, L);
	if ((r->flags & SQM_FLOAT) && r->n_float < L)
		return rfail(r, SQ_E_FORMAT, "missing FLOAT_LAYER %u (the model has %u layers)", r->n_float, L);
	if (r->sec != nsec)
		return rfail(r, SQ_E_FORMAT, "section_count %u in the header, file has %u sections", nsec, r->sec);
	return SQ_OK;
}

int sqm_read_buffer(const uint8_t *buf, size_t len, const char *name,
		    sq_model **out, sq_err *err)
{
	rd r = { 0 };
	sq_err e;
	int rc;

	r.name = name ? name : "sqm";
	r.err = err;
	*out = NULL;
	rc = check_header(&r, buf, len);
	if (!rc)
		rc = read_sections(&r, buf);
	if (!rc)
		rc = check_complete(&r, buf);
	if (!rc)
		rc = content(&r, sq_model_validate(r.m, &e), &e);
	if (rc) {
		sq_model_free(r.m);
		return rc;
	}
	*out = r.m;
	return SQ_OK;
}

int sqm_read_file(const char *path, sq_model **out, sq_err *err)
{
	size_t cap = 1 << 16, len = 0;
	uint8_t *buf = NULL;
	int rc = SQ_OK;

	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sq_fail(err, SQ_E_IO, "%s: cannot open: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > SQM_MAX_FILE) {
			rc = sq_fail(err, SQ_E_FORMAT, "%s: %lld bytes, over the %u-byte limit",
				     path, (long long)st.st_size, SQM_MAX_FILE);
			goto out_close;
		}
		cap = (size_t)st.st_size + 1; /* +1 sees a file that grew */
	}
	for (;;) {
		if (len == cap || !buf) {
			if (buf)
				cap *= 2;
			if (cap > (size_t)SQM_MAX_FILE + 1)
				cap = (size_t)SQM_MAX_FILE + 1;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
				rc = sq_fail(err, SQ_E_NOMEM, "%s: out of memory", path);
				goto out_buf;
			}
			buf = nb;
		}
		if (len == cap) {
			rc = sq_fail(err, SQ_E_FORMAT, "%s: over the %u-byte limit", path, SQM_MAX_FILE);
			goto out_buf;
		}
		ssize_t k = read(fd, buf + len, cap - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = sq_fail(err, SQ_E_IO, "%s: read failed: %s", path, strerror(errno));
			goto out_buf;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	rc = sqm_read_buffer(buf, len, path, out, err);
out_buf:
	free(buf);
out_close:
	close(fd);
	return rc;
}
