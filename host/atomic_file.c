/*
 * atomic_file.c - atomic whole-file writes and whole-file reads
 * (atomic_file.h), for the trainer's checkpoints and the CLI's CSV/JSON
 * outputs.
 */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sq_write_atomic(const char *path, const void *buf, size_t len, sq_err *err)
{
	size_t tl = strlen(path) + 48;
	char *tmp = malloc(tl);
	int rc = SQ_OK, fd = -1;
	if (!tmp)
		return sq_fail(err, SQ_E_NOMEM, "%s: out of memory", path);
	for (unsigned i = 0; i < 100 && fd < 0; i++) {
		snprintf(tmp, tl, "%s.tmp.%ld.%u", path, (long)getpid(), i);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		rc = sq_fail(err, SQ_E_IO, "%s: cannot create a temporary file: %s", path,
			     strerror(errno));
		goto out_tmp;
	}
	const unsigned char *p = buf;
	size_t left = len;
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = sq_fail(err, SQ_E_IO, "%s: write failed: %s", tmp, strerror(errno));
			goto out_fd;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) != 0) {
		rc = sq_fail(err, SQ_E_IO, "%s: fsync failed: %s", tmp, strerror(errno));
		goto out_fd;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = sq_fail(err, SQ_E_IO, "%s: close failed: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = sq_fail(err, SQ_E_IO, "%s: rename failed: %s", path, strerror(errno));
		goto out_unlink;
	}
	goto out_tmp;
out_fd:
	close(fd);
out_unlink:
	unlink(tmp);
out_tmp:
	free(tmp);
	return rc;
}

int sq_read_whole(const char *path, size_t max, unsigned char **out, size_t *len, sq_err *err)
{
	int rc = SQ_OK;
	unsigned char *buf = NULL;
	FILE *f = fopen(path, "rb");
	*out = NULL;
	*len = 0;
	if (!f)
		return sq_fail(err, SQ_E_IO, "%s: cannot open: %s", path, strerror(errno));
	size_t cap = 65536, n = 0;
	buf = malloc(cap);
	if (!buf) {
		rc = sq_fail(err, SQ_E_NOMEM, "%s: out of memory", path);
		goto out_file;
	}
	for (;;) {
		if (n == cap) {
			if (cap >= max) {
				rc = sq_fail(err, SQ_E_RANGE, "%s: larger than %zu bytes", path, max);
				goto out_buf;
			}
			size_t nc = cap * 2 > max ? max : cap * 2;
			unsigned char *nb = realloc(buf, nc);
			if (!nb) {
				rc = sq_fail(err, SQ_E_NOMEM, "%s: out of memory", path);
				goto out_buf;
			}
			buf = nb;
			cap = nc;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				rc = sq_fail(err, SQ_E_IO, "%s: read failed", path);
				goto out_buf;
			}
			break;
		}
	}
	*out = buf;
	*len = n;
	buf = NULL;
out_buf:
	free(buf);
out_file:
	fclose(f);
	return rc;
}
