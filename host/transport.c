/*
 * transport.c - picks a transport by the scheme of a device spec
 * (transport.h), and the clocks the link layer times itself with.
 */
#include "transport.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "link_proto.h"

#include <stdbool.h>

int64_t sq_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t sq_now_ms(void)
{
	return sq_now_ns() / 1000000;
}

int sq_transport_open(const char *spec, sq_transport **out, sq_err *err)
{
	const sq_transport_ops *ops = NULL;
	const char *colon = spec ? strchr(spec, ':') : NULL;
	size_t n;

	*out = NULL;
	if (!colon)
		return sq_fail(err, SQ_LINK_E_NODEV,
			       "device '%s': expected sim:PATH, tty:DEV[@BAUD] or usb:VID:PID[:SERIAL]",
			       spec ? spec : "");
	n = (size_t)(colon - spec);
	if (n == 3 && !strncmp(spec, "sim", 3))
		ops = &sq_transport_sim_ops;
	else if (n == 3 && !strncmp(spec, "tty", 3))
		ops = &sq_transport_tty_ops;
	else if (n == 3 && !strncmp(spec, "usb", 3)) {
		if (&sq_transport_usb_ops == NULL)
			return sq_fail(err, SQ_LINK_E_NODEV,
				       "device '%s': the usb transport is not built into this "
				       "program (use sparq-usb, or run sparqd --device %s and use sparqd:SOCKET)",
				       spec, spec);
		ops = &sq_transport_usb_ops;
	} else
		return sq_fail(err, SQ_LINK_E_NODEV,
			       "device '%s': unknown scheme '%.*s' (sim, tty, usb)", spec,
			       (int)n, spec);
	return ops->open(colon + 1, out, err);
}

int sq_transport_write(sq_transport *t, const uint8_t *p, size_t n, int timeout_ms, sq_err *err)
{
	return t->ops->write(t, p, n, timeout_ms, err);
}

int sq_transport_read(sq_transport *t, uint8_t *p, size_t cap, int timeout_ms, sq_err *err)
{
	return t->ops->read(t, p, cap, timeout_ms, err);
}

void sq_transport_purge(sq_transport *t)
{
	if (t->ops->purge)
		t->ops->purge(t);
}

void sq_transport_close(sq_transport *t)
{
	if (t)
		t->ops->close(t);
}

static bool gone_errno(int e)
{
	return e == EPIPE || e == ECONNRESET || e == EIO || e == ENODEV || e == ENXIO ||
	       e == ENOTCONN;
}

int sq_fd_write(int fd, const uint8_t *p, size_t n, int timeout_ms, const char *what,
		sq_err *err)
{
	int64_t deadline = sq_now_ms() + timeout_ms;
	size_t done = 0;

	while (done < n) {
		int64_t left = deadline - sq_now_ms();
		struct pollfd pf = {.fd = fd, .events = POLLOUT};
		if (left < 0)
			return sq_fail(err, SQ_LINK_E_TIMEOUT, "%s: write stalled (%zu of %zu bytes)",
				       what, done, n);
		int r = poll(&pf, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sq_fail(err, SQ_LINK_E_IO, "%s: poll: %s", what, strerror(errno));
		if (r == 0)
			continue;
		if (pf.revents & (POLLHUP | POLLERR | POLLNVAL))
			return sq_fail(err, SQ_LINK_E_GONE, "%s: device hung up", what);
		ssize_t w = send(fd, p + done, n - done, MSG_NOSIGNAL);
		if (w < 0 && errno == ENOTSOCK)
			w = write(fd, p + done, n - done);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return sq_fail(err, gone_errno(errno) ? SQ_LINK_E_GONE : SQ_LINK_E_IO,
				       "%s: write: %s", what, strerror(errno));
		}
		done += (size_t)w;
	}
	return 0;
}

int sq_fd_read(int fd, uint8_t *p, size_t cap, int timeout_ms, const char *what, sq_err *err)
{
	int64_t deadline = sq_now_ms() + timeout_ms;

	for (;;) {
		int64_t left = deadline - sq_now_ms();
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		int r = poll(&pf, 1, left < 0 ? 0 : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sq_fail(err, SQ_LINK_E_IO, "%s: poll: %s", what, strerror(errno));
		if (r == 0)
			return 0;
		ssize_t n = read(fd, p, cap);
		if (n > 0)
			return (int)n;
		if (n == 0)
			return sq_fail(err, SQ_LINK_E_GONE, "%s: device closed the line", what);
		if (errno == EINTR || errno == EAGAIN)
			continue;
		return sq_fail(err, gone_errno(errno) ? SQ_LINK_E_GONE : SQ_LINK_E_IO,
			       "%s: read: %s", what, strerror(errno));
	}
}
