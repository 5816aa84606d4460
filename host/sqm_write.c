/*
 * sqm_write.c - serializes a model to the .sqm layout (docs/model-format.md).
 *
 * The writer validates the model first (sq_model_validate), so it never
 * produces a file the reader rejects. Sections go in the order TOPOLOGY,
 * INPUT_QUANT, FIXED_LAYER 0..L-1, FLOAT_LAYER 0..L-1, METADATA (only when
 * there is metadata). Files are replaced atomically: a temporary file in the
 * same folder, fsync, rename; on any error the temporary file is removed and
 * the destination is left as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32.h"
#include "sqm.h"
#include "sqm_internal.h"

typedef struct wbuf {
	uint8_t *p;
	size_t off;
} wbuf;

static void put8(wbuf *w, uint8_t v)
{
	w->p[w->off++] = v;
}

static void put16(wbuf *w, uint16_t v)
{
	put8(w, (uint8_t)v);
	put8(w, (uint8_t)(v >> 8));
}

static void put32(wbuf *w, uint32_t v)
{
	put16(w, (uint16_t)v);
	put16(w, (uint16_t)(v >> 16));
}

static void put64(wbuf *w, uint64_t v)
{
	put32(w, (uint32_t)v);
	put32(w, (uint32_t)(v >> 32));
}

static void putf32(wbuf *w, float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	put32(w, u);
}

static void pad_to4(wbuf *w, size_t base)
{
	while ((w->off - base) % 4u)
		put8(w, 0);
}

static uint32_t float_rows(const sq_model *m, uint32_t l)
{
	return m->f[l].rows;
}

static uint64_t meta_len(const sq_model *m)
{
	uint64_t n = 4;
	for (uint32_t i = 0; i < m->n_meta; i++)
		n += 2u + strlen(m->meta[i].key) + 4u + strlen(m->meta[i].value);
	return n;
}

/* Total file size and section count of a validated model. */
static uint64_t file_len(const sq_model *m, uint32_t *nsec)
{
	uint32_t L = m->n_layers;
	uint64_t n = SQM_HEADER_SIZE;
	*nsec = 1;
	n += SQM_SEC_HDR + 4u + 4u * ((uint64_t)L + 1u);
	if (m->flags & SQM_FIXED) {
		n += SQM_SEC_HDR + sqm_pad4(4u + (uint64_t)m->dims[0]);
		for (uint32_t l = 0; l < L; l++)
			n += SQM_SEC_HDR + sqm_pad4(sqm_qlayer_len(m->q[l].out_dim, m->q[l].nnz));
		*nsec += 1 + L;
	}
	if (m->flags & SQM_FLOAT) {
		for (uint32_t l = 0; l < L; l++)
			n += SQM_SEC_HDR + sqm_flayer_len(m->f[l].in_dim, float_rows(m, l));
		*nsec += L;
	}
	if (m->n_meta) {
		n += SQM_SEC_HDR + sqm_pad4(meta_len(m));
		*nsec += 1;
	}
	return n;
}

/* Section header; returns the payload start. */
static size_t begin_section(wbuf *w, uint32_t type, uint64_t len)
{
	put32(w, type);
	put32(w, (uint32_t)len);
	return w->off;
}

static void write_fixed_layer(wbuf *w, const sq_qlayer *q, uint32_t l)
{
	size_t base = begin_section(w, SQM_SEC_FIXED_LAYER, sqm_qlayer_len(q->out_dim, q->nnz));
	put32(w, l);
	put32(w, q->in_dim);
	put32(w, q->out_dim);
	put32(w, q->nnz);
	put8(w, q->wbits);
	put8(w, q->abits_in);
	put8(w, q->acc_bits);
	put8(w, (uint8_t)q->out_exp);
	for (uint32_t r = 0; r < q->out_dim; r++)
		put8(w, (uint8_t)q->w_exp[r]);
	pad_to4(w, base);
	for (uint32_t r = 0; r < q->out_dim; r++)
		put64(w, (uint64_t)q->bias[r]);
	for (uint32_t r = 0; r <= q->out_dim; r++)
		put32(w, q->row_ptr[r]);
	for (uint32_t k = 0; k < q->nnz; k++)
		put16(w, q->col[k]);
	for (uint32_t k = 0; k < q->nnz; k++)
		put16(w, (uint16_t)q->val[k]);
	pad_to4(w, base);
}

static void write_float_layer(wbuf *w, const sq_flayer *f, uint32_t l)
{
	begin_section(w, SQM_SEC_FLOAT_LAYER, sqm_flayer_len(f->in_dim, f->rows));
	put32(w, l);
	put32(w, f->in_dim);
	put32(w, f->rows);
	for (size_t i = 0; i < (size_t)f->rows * f->in_dim; i++)
		putf32(w, f->w[i]);
	for (uint32_t r = 0; r < f->rows; r++)
		putf32(w, f->b[r]);
}

static void write_meta(wbuf *w, const sq_model *m)
{
	size_t base = begin_section(w, SQM_SEC_METADATA, meta_len(m));
	put32(w, m->n_meta);
	for (uint32_t i = 0; i < m->n_meta; i++) {
		size_t kl = strlen(m->meta[i].key), vl = strlen(m->meta[i].value);
		put16(w, (uint16_t)kl);
		memcpy(w->p + w->off, m->meta[i].key, kl);
		w->off += kl;
		put32(w, (uint32_t)vl);
		memcpy(w->p + w->off, m->meta[i].value, vl);
		w->off += vl;
	}
	pad_to4(w, base);
}

int sqm_write_buffer(const sq_model *m, uint8_t **out, size_t *len, sq_err *err)
{
	uint32_t nsec, L = m->n_layers;
	int rc = sq_model_validate(m, err);
	*out = NULL;
	*len = 0;
	if (rc)
		return rc;
	uint64_t total = file_len(m, &nsec);
	if (total > SQM_MAX_FILE)
		return sq_fail(err, SQ_E_RANGE, "model needs %llu bytes, over the %u-byte file limit",
			       (unsigned long long)total, SQM_MAX_FILE);
	wbuf w = { calloc(1, (size_t)total), 0 };
	if (!w.p)
		return sq_fail(err, SQ_E_NOMEM, "out of memory for a %llu-byte file",
			       (unsigned long long)total);

	static const uint8_t magic[4] = { 0x53, 0x51, 0x4d, 0x31 };
	memcpy(w.p, magic, 4);
	w.off = 4;
	put16(&w, SQM_VERSION);
	put16(&w, SQM_HEADER_SIZE);
	put32(&w, (uint32_t)total);
	put32(&w, 0); /* crc32, filled in last */
	put32(&w, m->flags);
	put32(&w, nsec);
	put64(&w, 0); /* reserved */

	begin_section(&w, SQM_SEC_TOPOLOGY, 4u + 4u * ((uint64_t)L + 1u));
	put32(&w, L);
	for (uint32_t i = 0; i <= L; i++)
		put32(&w, m->dims[i]);

	if (m->flags & SQM_FIXED) {
		size_t base = begin_section(&w, SQM_SEC_INPUT_QUANT, 4u + (uint64_t)m->dims[0]);
		put8(&w, m->q[0].abits_in);
		put8(&w, 0);
		put8(&w, 0);
		put8(&w, 0);
		for (uint32_t i = 0; i < m->dims[0]; i++)
			put8(&w, (uint8_t)m->in_exp[i]);
		pad_to4(&w, base);
		for (uint32_t l = 0; l < L; l++)
			write_fixed_layer(&w, &m->q[l], l);
	}
	if (m->flags & SQM_FLOAT)
		for (uint32_t l = 0; l < L; l++)
			write_float_layer(&w, &m->f[l], l);
	if (m->n_meta)
		write_meta(&w, m);

	uint32_t crc = sq_crc32(w.p, (size_t)total);
	w.off = 12;
	put32(&w, crc);
	*out = w.p;
	*len = (size_t)total;
	return SQ_OK;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Best effort: make the rename durable. */
static void sync_dir(const char *path)
{
	char *dir = strdup(path);
	if (!dir)
		return;
	char *slash = strrchr(dir, '/');
	const char *d = ".";
	if (slash) {
		slash[slash == dir ? 1 : 0] = '\0';
		d = dir;
	}
	int fd = open(d, O_RDONLY);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

int sqm_write_file(const sq_model *m, const char *path, sq_err *err)
{
	uint8_t *buf;
	size_t len;
	int rc = sqm_write_buffer(m, &buf, &len, err);
	if (rc)
		return rc;

	size_t tl = strlen(path) + 48;
	char *tmp = malloc(tl);
	int fd = -1;
	if (!tmp) {
		rc = sq_fail(err, SQ_E_NOMEM, "out of memory");
		goto out_buf;
	}
	for (unsigned i = 0; fd < 0 && i < 100; i++) {
		snprintf(tmp, tl, "%s.tmp.%ld.%u", path, (long)getpid(), i);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		rc = sq_fail(err, SQ_E_IO, "%s: cannot create a temporary file: %s", path, strerror(errno));
		goto out_tmp;
	}
	if (write_all(fd, buf, len) || fsync(fd)) {
		rc = sq_fail(err, SQ_E_IO, "%s: write failed: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out_tmp;
	}
	if (close(fd)) {
		rc = sq_fail(err, SQ_E_IO, "%s: close failed: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out_tmp;
	}
	if (rename(tmp, path)) {
		rc = sq_fail(err, SQ_E_IO, "%s: rename from %s failed: %s", path, tmp, strerror(errno));
		unlink(tmp);
		goto out_tmp;
	}
	sync_dir(path);
out_tmp:
	free(tmp);
out_buf:
	free(buf);
	return rc;
}
