/*
 * device.c - request/response with a sparq device (device.h): directly over
 * a transport, or through sparqd's client socket.
 */
#include "device.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sparqd_msg.h"

#define SPARQD_PREFIX "sparqd:"

struct sq_device {
	char spec[256];
	sq_device_opts o;
	bool daemon;              /* spec is sparqd:PATH */
	int fd;                   /* daemon socket, -1 when closed */
	sq_transport *t;          /* direct: NULL while the device is away */
	uint8_t seq;
	sq_frame_parser parser;
	uint8_t rx[1024];         /* bytes read but not yet parsed */
	size_t rx_n, rx_pos;
	sq_link_info info;
	sq_device_counters c;
	int64_t lost_at_ms;
};

void sq_device_opts_default(sq_device_opts *o)
{
	o->timeout_ms = 250;
	o->retries = 8;
	o->reconnect_ms = 3000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- direct ------------------------------------------------------------- */

static void lost(sq_device *d)
{
	sq_transport_close(d->t);
	d->t = NULL;
	d->c.losses++;
	d->lost_at_ms = sq_now_ms();
}

/* Sends req (already encoded as wire[0..wn)) and waits for its answer; see
 * device.h. Without may_reconnect a lost device fails at once. */
static int transact(sq_device *d, const uint8_t *wire, size_t wn, uint8_t type, uint8_t seq,
		    sq_frame *resp, bool may_reconnect, sq_err *err);

int sq_device_reopen(sq_device *d, sq_err *err)
{
	sq_frame req = {.type = SQ_LINK_INFO, .len = 0}, resp;
	uint8_t wire[16];
	int rc, wn;

	if (d->daemon || d->t)
		return 0;
	rc = sq_transport_open(d->spec, &d->t, err);
	if (rc)
		return rc;
	sq_frame_parser_init(&d->parser);
	d->rx_n = d->rx_pos = 0;
	req.seq = ++d->seq;
	wn = sq_frame_encode(&req, wire, sizeof(wire));
	rc = transact(d, wire, (size_t)wn, SQ_LINK_INFO, req.seq, &resp, false, err);
	if (rc == 0)
		rc = sq_link_info_decode(&resp, &d->info);
	if (rc) {
		if (rc == SQ_LINK_E_LENGTH || rc == SQ_LINK_E_PROTO)
			sq_fail(err, rc, "%s: INFO answer malformed (%u bytes)", d->spec, resp.len);
		if (d->t) {
			sq_transport_close(d->t);
			d->t = NULL;
		}
		return rc;
	}
	return 0;
}

/* Waits for a lost device with backoff, within reconnect_ms of the loss. */
static int wait_reconnect(sq_device *d, sq_err *err)
{
	int backoff = 20;
	sq_err e2;

	for (;;) {
		if (sq_device_reopen(d, &e2) == 0) {
			d->c.reconnects++;
			return 0;
		}
		int64_t left = d->lost_at_ms + d->o.reconnect_ms - sq_now_ms();
		if (left <= 0)
			return sq_fail(err, SQ_LINK_E_GONE, "%s: device gone and not back within %d ms (%s)",
				       d->spec, d->o.reconnect_ms, e2.msg);
		sleep_ms(backoff < left ? backoff : (int)left);
		backoff = backoff * 2 > 500 ? 500 : backoff * 2;
	}
}

static int transact(sq_device *d, const uint8_t *wire, size_t wn, uint8_t type, uint8_t seq,
		    sq_frame *resp, bool may_reconnect, sq_err *err)
{
	int attempts = 0, rc;

send:
	if (!d->t) {
		if (!may_reconnect)
			return sq_fail(err, SQ_LINK_E_GONE, "%s: device gone", d->spec);
		rc = wait_reconnect(d, err);
		if (rc)
			return rc;
	}
	rc = sq_transport_write(d->t, wire, wn, d->o.timeout_ms, err);
	if (rc == SQ_LINK_E_GONE) {
		lost(d);
		goto send;
	}
	if (rc)
		return rc;
	int64_t deadline = sq_now_ms() + d->o.timeout_ms;
	for (;;) {
		if (d->rx_pos == d->rx_n) {
			int64_t left = deadline - sq_now_ms();
			if (left <= 0) {
				d->c.timeouts++;
				goto retry;
			}
			int n = sq_transport_read(d->t, d->rx, sizeof(d->rx), (int)left, err);
			if (n == SQ_LINK_E_GONE) {
				lost(d);
				goto send; /* the same request, once the device is back */
			}
			if (n < 0)
				return n;
			d->rx_n = (size_t)n;
			d->rx_pos = 0;
			continue;
		}
		int ev = sq_frame_parser_push(&d->parser, d->rx[d->rx_pos++], resp);
		if (ev == SQ_FRAME_CRC) {
			d->c.crc_errors++;
			goto retry;
		}
		if (ev == SQ_FRAME_FRAMING) {
			d->c.framing_errors++;
			goto retry;
		}
		if (ev != SQ_FRAME_OK)
			continue;
		if (resp->seq == seq && resp->type == (type | SQ_LINK_RESP))
			return 0;
		if (resp->seq == seq && resp->type == SQ_LINK_ERROR) {
			uint8_t code = 0, rt = 0;
			if (sq_link_error_decode(resp, &code, &rt) == 0 && rt == type) {
				/* busy: a retransmitted copy met the original still being
				 * served; the original's answer is on its way */
				if (code == SQ_DEV_E_BUSY) {
					d->c.busy++;
					continue;
				}
				return sq_fail(err, SQ_LINK_E_DEVICE,
					       "%s: device answered ERROR %u to type 0x%02x", d->spec,
					       code, type);
			}
		}
		d->c.stale++;
	}
retry:
	if (attempts++ >= d->o.retries)
		return sq_fail(err, SQ_LINK_E_TIMEOUT,
			       "%s: no good answer to type 0x%02x after %d tries of %d ms", d->spec,
			       type, attempts, d->o.timeout_ms);
	d->c.retransmits++;
	goto send;
}

/* ---- through sparqd ----------------------------------------------------- */

static int daemon_connect(sq_device *d, sq_err *err)
{
	const char *path = d->spec + strlen(SPARQD_PREFIX);
	struct sockaddr_un sa;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (!*path || strlen(path) >= sizeof(sa.sun_path))
		return sq_fail(err, SQ_LINK_E_NODEV, "%s: socket path empty or too long", d->spec);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	d->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (d->fd < 0)
		return sq_fail(err, SQ_LINK_E_IO, "%s: socket: %s", d->spec, strerror(errno));
	if (connect(d->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(d->fd);
		d->fd = -1;
		return sq_fail(err, SQ_LINK_E_NODEV, "%s: is sparqd running? connect: %s", d->spec,
			       strerror(e));
	}
	fcntl(d->fd, F_SETFL, fcntl(d->fd, F_GETFL) | O_NONBLOCK);
	return 0;
}

static int read_exact(sq_device *d, uint8_t *p, size_t n, int64_t deadline, sq_err *err)
{
	size_t got = 0;
	while (got < n) {
		int64_t left = deadline - sq_now_ms();
		if (left <= 0)
			return sq_fail(err, SQ_LINK_E_TIMEOUT, "%s: sparqd did not answer", d->spec);
		int r = sq_fd_read(d->fd, p + got, n - got, (int)left, d->spec, err);
		if (r < 0)
			return r;
		got += (size_t)r;
	}
	return 0;
}

static int daemon_request(sq_device *d, uint8_t type, const uint8_t *payload, uint16_t len,
			  sq_frame *resp, sq_err *err)
{
	uint8_t msg[SQ_SPARQD_MAX_MSG], hdr[SQ_SPARQD_HDR];
	int backoff = 20, rc;
	int64_t first_away = -1;
	/* the daemon's own bound on one request, plus slack */
	int64_t bound = (int64_t)d->o.timeout_ms * (d->o.retries + 2) + 2000;

	if (len > SQ_LINK_MAX_PAYLOAD)
		return sq_fail(err, SQ_LINK_E_VALUE, "%s: payload of %u bytes", d->spec, len);
	for (;;) {
		sq_sparqd_hdr(msg, type, 0, len);
		memcpy(msg + SQ_SPARQD_HDR, payload, len);
		rc = sq_fd_write(d->fd, msg, SQ_SPARQD_HDR + len, d->o.timeout_ms + 1000, d->spec, err);
		if (rc)
			return rc == SQ_LINK_E_GONE ? sq_fail(err, rc, "%s: sparqd closed the connection",
							      d->spec) : rc;
		int64_t deadline = sq_now_ms() + bound;
		rc = read_exact(d, hdr, SQ_SPARQD_HDR, deadline, err);
		if (rc == 0) {
			resp->type = hdr[0];
			resp->seq = 0;
			resp->len = sq_get_u16(hdr + 2);
			if (resp->len > SQ_LINK_MAX_PAYLOAD || resp->type != (type | SQ_LINK_RESP))
				return sq_fail(err, SQ_LINK_E_PROTO,
					       "%s: sparqd answered type 0x%02x with %u bytes to 0x%02x",
					       d->spec, resp->type, resp->len, type);
			rc = read_exact(d, resp->payload, resp->len, deadline, err);
		}
		if (rc)
			return rc == SQ_LINK_E_GONE ? sq_fail(err, rc, "%s: sparqd closed the connection",
							      d->spec) : rc;
		switch (hdr[1]) {
		case SQ_SPARQD_OK:
			return 0;
		case SQ_SPARQD_NO_DEVICE:
			if (first_away < 0) {
				first_away = sq_now_ms();
				d->c.losses++;
			}
			if (sq_now_ms() - first_away >= d->o.reconnect_ms)
				return sq_fail(err, SQ_LINK_E_GONE,
					       "%s: device away and not back within %d ms", d->spec,
					       d->o.reconnect_ms);
			sleep_ms(backoff);
			backoff = backoff * 2 > 500 ? 500 : backoff * 2;
			continue;
		case SQ_SPARQD_TIMEOUT:
			return sq_fail(err, SQ_LINK_E_TIMEOUT, "%s: the device did not answer type 0x%02x",
				       d->spec, type);
		case SQ_SPARQD_DEV_ERROR:
			return sq_fail(err, SQ_LINK_E_DEVICE, "%s: device answered ERROR %u to type 0x%02x",
				       d->spec, resp->len >= 1 ? resp->payload[0] : 0, type);
		default:
			return sq_fail(err, SQ_LINK_E_PROTO, "%s: sparqd: %s (type 0x%02x)", d->spec,
				       sq_sparqd_strstatus(hdr[1]), type);
		}
	}
}

/* ---- public ------------------------------------------------------------- */

int sq_device_request(sq_device *d, uint8_t type, const uint8_t *payload, uint16_t len,
		      sq_frame *resp, sq_err *err)
{
	sq_frame req;
	uint8_t wire[SQ_LINK_MAX_WIRE];
	int wn;

	d->c.requests++;
	if (d->daemon) {
		return daemon_request(d, type, payload, len, resp, err);
	}
	if (len > SQ_LINK_MAX_PAYLOAD)
		return sq_fail(err, SQ_LINK_E_VALUE, "%s: payload of %u bytes", d->spec, len);
	req.type = type;
	req.seq = ++d->seq;
	req.len = len;
	memcpy(req.payload, payload, len);
	wn = sq_frame_encode(&req, wire, sizeof(wire));
	return transact(d, wire, (size_t)wn, type, req.seq, resp, d->o.reconnect_ms > 0, err);
}

int sq_device_create(const char *spec, const sq_device_opts *o, sq_device **out, sq_err *err)
{
	sq_device *d;

	*out = NULL;
	if (!spec || strlen(spec) >= sizeof(d->spec))
		return sq_fail(err, SQ_LINK_E_NODEV, "device spec missing or too long");
	d = calloc(1, sizeof(*d));
	if (!d)
		return sq_fail(err, SQ_LINK_E_IO, "out of memory");
	snprintf(d->spec, sizeof(d->spec), "%s", spec);
	if (o)
		d->o = *o;
	else
		sq_device_opts_default(&d->o);
	d->fd = -1;
	d->seq = (uint8_t)(sq_now_ns() & 0xFF); /* a fresh run's seqs differ from the last */
	d->daemon = !strncmp(spec, SPARQD_PREFIX, strlen(SPARQD_PREFIX));
	*out = d;
	return 0;
}

int sq_device_open(const char *spec, const sq_device_opts *o, sq_device **out, sq_err *err)
{
	sq_device *d;
	int rc = sq_device_create(spec, o, &d, err);

	if (rc)
		return rc;
	if (d->daemon) {
		rc = daemon_connect(d, err);
		if (rc == 0)
			rc = sq_device_info(d, &d->info, err);
	} else {
		rc = sq_device_reopen(d, err);
	}
	if (rc) {
		sq_device_close(d);
		return rc;
	}
	*out = d;
	return 0;
}

void sq_device_close(sq_device *d)
{
	if (!d)
		return;
	sq_transport_close(d->t);
	if (d->fd >= 0)
		close(d->fd);
	free(d);
}

static int bad_answer(sq_device *d, int rc, const char *what, const sq_frame *f, sq_err *err)
{
	return sq_fail(err, rc, "%s: %s answer of %u bytes: %s", d->spec, what, f->len,
		       sq_link_strerror(rc));
}

int sq_device_info(sq_device *d, sq_link_info *info, sq_err *err)
{
	static const uint8_t none[1];
	sq_frame r;
	int rc = sq_device_request(d, SQ_LINK_INFO, none, 0, &r, err);
	if (rc == 0 && (rc = sq_link_info_decode(&r, info)) != 0)
		return bad_answer(d, rc, "INFO", &r, err);
	if (rc == 0 && info != &d->info)
		d->info = *info;
	return rc;
}

int sq_device_infer(sq_device *d, const int32_t *x, uint16_t *action, uint32_t *cycles,
		    int32_t *q, sq_err *err)
{
	sq_frame req, r;
	int32_t qbuf[SQ_LINK_MAX_OUT];
	int rc = sq_link_infer_req_encode(&req, x, d->info.in_dim, d->info.AW);
	if (rc)
		return sq_fail(err, rc, "%s: INFER: %u inputs of %u bits do not fit a frame",
			       d->spec, d->info.in_dim, d->info.AW);
	rc = sq_device_request(d, SQ_LINK_INFER, req.payload, req.len, &r, err);
	if (rc == 0 &&
	    (rc = sq_link_infer_resp_decode(&r, d->info.out_dim, action, cycles, q ? q : qbuf)) != 0)
		return bad_answer(d, rc, "INFER", &r, err);
	return rc;
}

static int status_answer(sq_device *d, const char *what, const sq_frame *r, sq_err *err)
{
	uint8_t st;
	int rc = sq_link_status_decode(r, &st);
	if (rc)
		return bad_answer(d, rc, what, r, err);
	if (st)
		return sq_fail(err, SQ_LINK_E_STATUS, "%s: %s answered status %u", d->spec, what, st);
	return 0;
}

int sq_device_load(sq_device *d, const sq_link_load *l, sq_err *err)
{
	sq_frame req, r;
	int rc = sq_link_load_encode(&req, l);
	if (rc)
		return sq_fail(err, rc, "%s: LOAD of %u words to mem %u", d->spec, l->count, l->mem);
	rc = sq_device_request(d, SQ_LINK_LOAD, req.payload, req.len, &r, err);
	return rc ? rc : status_answer(d, "LOAD", &r, err);
}

int sq_device_commit(sq_device *d, const sq_link_commit *c, sq_err *err)
{
	sq_frame req, r;
	sq_link_commit_encode(&req, c);
	int rc = sq_device_request(d, SQ_LINK_COMMIT, req.payload, req.len, &r, err);
	if (rc == 0)
		rc = status_answer(d, "COMMIT", &r, err);
	if (rc == 0)
		rc = sq_device_info(d, &d->info, err);
	return rc;
}

int sq_device_stats(sq_device *d, sq_link_stats *s, sq_err *err)
{
	static const uint8_t none[1];
	sq_frame r;
	int rc = sq_device_request(d, SQ_LINK_STATS, none, 0, &r, err);
	if (rc == 0 && (rc = sq_link_stats_decode(&r, s)) != 0)
		return bad_answer(d, rc, "STATS", &r, err);
	return rc;
}

int sq_device_reset(sq_device *d, sq_err *err)
{
	static const uint8_t none[1];
	sq_frame r;
	int rc = sq_device_request(d, SQ_LINK_RESET, none, 0, &r, err);
	return rc ? rc : status_answer(d, "RESET", &r, err);
}

const sq_link_info *sq_device_get_info(const sq_device *d)
{
	return &d->info;
}

const sq_device_counters *sq_device_get_counters(const sq_device *d)
{
	return &d->c;
}

bool sq_device_is_up(const sq_device *d)
{
	return d->daemon ? d->fd >= 0 : d->t != NULL;
}

const char *sq_device_spec(const sq_device *d)
{
	return d->spec;
}
