/*
 * sparqd.c - the sparq host daemon: one device (usb:, tty: or sim:), many
 * local clients on a UNIX stream socket (docs/protocol.md, "sparqd").
 *
 *   sparqd --device SPEC --socket PATH [--timeout MS] [--retries N]
 *          [--max-clients N] [--log FILE]
 *
 * One thread, one poll() loop. Requests from all clients are served one at a
 * time, in arrival order per client; each is bounded by timeout * (retries+1)
 * on the device. When the device goes away, requests are answered at once with
 * NO_DEVICE while the daemon reopens it in the background with backoff (50 ms
 * doubling to 1 s), so clients are never blocked by a lost device. Every
 * message is bounded (4 + 512 bytes); a client that sends a longer one, or
 * stops reading its answers, is disconnected. The socket is made 0660.
 * Log: one line per event on stderr (or --log FILE, appended).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "device.h"
#include "link_proto.h"
#include "sparqd_msg.h"

#define MAX_CLIENTS_LIMIT 256

typedef struct client {
	int fd;
	unsigned id;
	uint8_t in[SQ_SPARQD_MAX_MSG];
	size_t n;
} client;

typedef struct daemon_state {
	const char *sock_path;
	sq_device *dev;
	bool up;
	int64_t next_try_ms;
	int backoff_ms;
	unsigned tries;
	client *clients;
	unsigned max_clients, n_clients, next_id;
	FILE *log;
	sq_sparqd_state st;
} daemon_state;

static volatile sig_atomic_t stop;

static void on_signal(int s)
{
	(void)s;
	stop = 1;
}

static __attribute__((format(printf, 3, 4))) void logev(daemon_state *s, const char *event,
							  const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(s->log, "%s.%03ldZ sparqd %s", when, ts.tv_nsec / 1000000, event);
	if (fmt && *fmt) {
		fputc(' ', s->log);
		va_start(ap, fmt);
		vfprintf(s->log, fmt, ap);
		va_end(ap);
	}
	fputc('\n', s->log);
	fflush(s->log);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sparqd --device SPEC --socket PATH [options]\n"
		"  --device SPEC      usb:VID:PID[:SERIAL] | tty:/dev/ttyUSB0[@BAUD] | sim:/path.sock\n"
		"  --socket PATH      the UNIX socket clients connect to (made 0660)\n"
		"  --timeout MS       wait for one device answer (default 250)\n"
		"  --retries N        retransmissions per request (default 8)\n"
		"  --max-clients N    clients at once (default 32, at most 256)\n"
		"  --log FILE         append the event log to FILE instead of stderr\n"
		"Clients: sparq hil|load --device sparqd:PATH; protocol in docs/protocol.md.\n");
}

static void device_up(daemon_state *s)
{
	const sq_link_info *in = sq_device_get_info(s->dev);
	s->up = true;
	s->backoff_ms = 50;
	s->tries = 0;
	logev(s, "device-up", "device=%s model_id=0x%08x in=%u out=%u P=%u AW=%u clk_hz=%u baud=%u",
	      sq_device_spec(s->dev), in->model_id, in->in_dim, in->out_dim, in->P, in->AW,
	      in->clk_hz, in->baud);
}

static void device_down(daemon_state *s, const char *why)
{
	s->up = false;
	s->st.losses++;
	s->backoff_ms = 50;
	s->next_try_ms = sq_now_ms() + s->backoff_ms;
	logev(s, "device-lost", "device=%s reason=\"%s\"", sq_device_spec(s->dev), why);
}

static void try_reopen(daemon_state *s)
{
	sq_err err;
	if (sq_device_reopen(s->dev, &err) == 0) {
		if (s->st.losses)
			s->st.reconnects++;
		device_up(s);
		return;
	}
	/* log the first failure and then every 16th, not every attempt */
	if (s->tries++ % 16 == 0)
		logev(s, "device-absent", "device=%s tries=%u reason=\"%s\"", sq_device_spec(s->dev),
		      s->tries, err.msg);
	s->backoff_ms = s->backoff_ms * 2 > 1000 ? 1000 : s->backoff_ms * 2;
	s->next_try_ms = sq_now_ms() + s->backoff_ms;
}

static void drop_client(daemon_state *s, unsigned i, const char *why)
{
	logev(s, "client-close", "id=%u reason=%s clients=%u", s->clients[i].id, why,
	      s->n_clients - 1);
	close(s->clients[i].fd);
	s->clients[i] = s->clients[--s->n_clients];
}

/* Sends one answer; false when the client does not take it within 1 s. */
static bool answer(daemon_state *s, client *c, uint8_t type, uint8_t status,
		   const uint8_t *payload, uint16_t len)
{
	uint8_t msg[SQ_SPARQD_MAX_MSG];
	sq_err err;
	sq_sparqd_hdr(msg, type, status, len);
	if (len)
		memcpy(msg + SQ_SPARQD_HDR, payload, len);
	return sq_fd_write(c->fd, msg, SQ_SPARQD_HDR + len, 1000, "client", &err) == 0;
}

static void fill_state(daemon_state *s, uint8_t *p)
{
	const sq_device_counters *dc = sq_device_get_counters(s->dev);
	sq_frame f;
	s->st.device_up = s->up;
	s->st.clients = (uint16_t)s->n_clients;
	s->st.retransmits = (uint32_t)dc->retransmits;
	s->st.crc_errors = (uint32_t)dc->crc_errors;
	memset(s->st.info, 0, sizeof(s->st.info));
	if (s->up) {
		sq_link_info_encode(&f, sq_device_get_info(s->dev));
		memcpy(s->st.info, f.payload, sizeof(s->st.info));
	}
	sq_sparqd_state_encode(p, &s->st);
}

/* Serves one complete request of client c; false to drop the client. */
static bool serve(daemon_state *s, client *c, uint8_t type, const uint8_t *payload, uint16_t len)
{
	static sq_frame resp;
	uint8_t rtype = (uint8_t)(type | SQ_LINK_RESP);
	sq_err err;

	s->st.requests++;
	if (type == SQ_SPARQD_STATUS) {
		uint8_t p[SQ_SPARQD_STATUS_LEN];
		fill_state(s, p);
		return answer(s, c, rtype, SQ_SPARQD_OK, p, sizeof(p));
	}
	if (type < SQ_LINK_INFO || type > SQ_LINK_COMMIT) {
		logev(s, "bad-request", "id=%u type=0x%02x len=%u", c->id, type, len);
		return answer(s, c, rtype, SQ_SPARQD_BAD_REQUEST, NULL, 0);
	}
	if (!s->up)
		return answer(s, c, rtype, SQ_SPARQD_NO_DEVICE, NULL, 0);
	s->st.device_requests++;
	int rc = sq_device_request(s->dev, type, payload, len, &resp, &err);
	switch (rc) {
	case 0:
		return answer(s, c, rtype, SQ_SPARQD_OK, resp.payload, resp.len);
	case SQ_LINK_E_DEVICE:
		logev(s, "device-error", "id=%u type=0x%02x code=%u", c->id, type, resp.payload[0]);
		return answer(s, c, rtype, SQ_SPARQD_DEV_ERROR, resp.payload, resp.len);
	case SQ_LINK_E_GONE:
		device_down(s, err.msg);
		return answer(s, c, rtype, SQ_SPARQD_NO_DEVICE, NULL, 0);
	case SQ_LINK_E_TIMEOUT:
		s->st.timeouts++;
		logev(s, "device-timeout", "id=%u type=0x%02x reason=\"%s\"", c->id, type, err.msg);
		return answer(s, c, rtype, SQ_SPARQD_TIMEOUT, NULL, 0);
	default:
		logev(s, "device-fault", "id=%u type=0x%02x reason=\"%s\"", c->id, type, err.msg);
		return answer(s, c, rtype, SQ_SPARQD_PROTO, NULL, 0);
	}
}

/* Reads what client i sent and serves every complete request. */
static void client_input(daemon_state *s, unsigned i)
{
	client *c = &s->clients[i];
	ssize_t n = read(c->fd, c->in + c->n, sizeof(c->in) - c->n);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		drop_client(s, i, n == 0 ? "closed" : "error");
		return;
	}
	if (n < 0)
		return;
	c->n += (size_t)n;
	while (c->n >= SQ_SPARQD_HDR) {
		uint16_t len = sq_get_u16(c->in + 2);
		if (len > SQ_LINK_MAX_PAYLOAD || c->in[1] != 0) {
			logev(s, "bad-request", "id=%u type=0x%02x status=%u len=%u (limit %u)", c->id,
			      c->in[0], c->in[1], len, SQ_LINK_MAX_PAYLOAD);
			answer(s, c, (uint8_t)(c->in[0] | SQ_LINK_RESP), SQ_SPARQD_BAD_REQUEST, NULL, 0);
			drop_client(s, i, "oversized");
			return;
		}
		if (c->n < SQ_SPARQD_HDR + len)
			return;
		if (!serve(s, c, c->in[0], c->in + SQ_SPARQD_HDR, len)) {
			drop_client(s, i, "not-reading");
			return;
		}
		c->n -= SQ_SPARQD_HDR + len;
		memmove(c->in, c->in + SQ_SPARQD_HDR + len, c->n);
	}
}

static void accept_client(daemon_state *s, int lfd)
{
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return;
	if (s->n_clients == s->max_clients) {
		logev(s, "client-refused", "clients=%u limit=%u", s->n_clients, s->max_clients);
		close(fd);
		return;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	client *c = &s->clients[s->n_clients++];
	c->fd = fd;
	c->id = ++s->next_id;
	c->n = 0;
	logev(s, "client-open", "id=%u clients=%u", c->id, s->n_clients);
}

static int listen_socket(const char *path, const char **why)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		*why = "path too long";
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* a socket file nobody listens on is stale: remove it; a live one is not ours */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		*why = "another sparqd is serving it";
		return -1;
	}
	if (fd >= 0)
		close(fd);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* created 0660 from the start (no window with wider access), then made so
	 * whatever the umask */
	mode_t old_mask = umask(0117);
	int r = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (r < 0 || chmod(path, 0660) < 0 || listen(fd, 16) < 0) {
		*why = strerror(errno);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || !*s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"device", 1, 0, 'd'}, {"socket", 1, 0, 's'}, {"timeout", 1, 0, 't'},
		{"retries", 1, 0, 'r'}, {"max-clients", 1, 0, 'm'}, {"log", 1, 0, 'l'},
		{"help", 0, 0, 'h'}, {0, 0, 0, 0},
	};
	static daemon_state s;
	const char *spec = NULL, *log_path = NULL, *why = NULL;
	sq_device_opts o;
	sq_err err;
	long v;
	int c, li = 0, rc = 1;

	sq_device_opts_default(&o);
	o.reconnect_ms = 0; /* the loop reconnects, without blocking clients */
	s.max_clients = 32;
	s.log = stderr;
	while ((c = getopt_long(argc, argv, "", opts, &li)) != -1) {
		switch (c) {
		case 'd': spec = optarg; break;
		case 's': s.sock_path = optarg; break;
		case 't':
			if (parse_int(optarg, 1, 60000, &v))
				goto bad_arg;
			o.timeout_ms = (int)v;
			break;
		case 'r':
			if (parse_int(optarg, 0, 100, &v))
				goto bad_arg;
			o.retries = (int)v;
			break;
		case 'm':
			if (parse_int(optarg, 1, MAX_CLIENTS_LIMIT, &v))
				goto bad_arg;
			s.max_clients = (unsigned)v;
			break;
		case 'l': log_path = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!spec || !s.sock_path || optind != argc) {
		fprintf(stderr, "sparqd: --device and --socket are required\n");
		usage(stderr);
		return 2;
	}
	if (log_path && !(s.log = fopen(log_path, "a"))) {
		fprintf(stderr, "sparqd: cannot open log %s: %s\n", log_path, strerror(errno));
		return 1;
	}
	s.clients = calloc(s.max_clients, sizeof(*s.clients));
	if (!s.clients || sq_device_create(spec, &o, &s.dev, &err)) {
		fprintf(stderr, "sparqd: %s\n", s.clients ? err.msg : "out of memory");
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	int lfd = listen_socket(s.sock_path, &why);
	if (lfd < 0) {
		fprintf(stderr, "sparqd: socket %s: %s\n", s.sock_path, why);
		goto out;
	}
	logev(&s, "start", "socket=%s device=%s timeout_ms=%d retries=%d max_clients=%u",
	      s.sock_path, spec, o.timeout_ms, o.retries, s.max_clients);
	s.backoff_ms = 50;
	try_reopen(&s);

	struct pollfd *pf = calloc(s.max_clients + 1, sizeof(*pf));
	if (!pf)
		goto out_sock;
	while (!stop) {
		int timeout = -1;
		if (!s.up) {
			int64_t left = s.next_try_ms - sq_now_ms();
			timeout = left < 0 ? 0 : (int)left;
		}
		pf[0].fd = lfd;
		pf[0].events = POLLIN;
		unsigned nc = s.n_clients;
		for (unsigned i = 0; i < nc; i++) {
			pf[1 + i].fd = s.clients[i].fd;
			pf[1 + i].events = POLLIN;
			pf[1 + i].revents = 0;
		}
		int r = poll(pf, 1 + nc, timeout);
		if (r < 0 && errno != EINTR) {
			logev(&s, "poll-error", "reason=\"%s\"", strerror(errno));
			break;
		}
		if (!s.up && sq_now_ms() >= s.next_try_ms)
			try_reopen(&s);
		if (r <= 0)
			continue;
		/* clients from the back, so a drop (swap with the last) skips no one */
		for (unsigned i = nc; i-- > 0;)
			if (pf[1 + i].revents & (POLLIN | POLLHUP | POLLERR))
				client_input(&s, i);
		if (pf[0].revents & POLLIN)
			accept_client(&s, lfd);
	}
	rc = 0;
	logev(&s, "stop", "requests=%u device_requests=%u losses=%u reconnects=%u", s.st.requests,
	      s.st.device_requests, s.st.losses, s.st.reconnects);
	free(pf);
	while (s.n_clients)
		drop_client(&s, s.n_clients - 1, "shutdown");
out_sock:
	close(lfd);
	unlink(s.sock_path);
out:
	sq_device_close(s.dev);
	free(s.clients);
	if (s.log && s.log != stderr)
		fclose(s.log);
	return rc;
bad_arg:
	fprintf(stderr, "sparqd: bad value '%s' for --%s\n", optarg, opts[li].name);
	return 2;
}
