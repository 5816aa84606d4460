/*
 * transport_tty.c - `tty:/dev/ttyUSB0[@baud]`: a serial device (an FTDI or
 * CDC-ACM bridge through the kernel driver, or a pty in the tests), raw 8N1,
 * no flow control. The default baud is 1000000 (docs/protocol.md).
 */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "link_proto.h"

typedef struct tty_transport {
	sq_transport base;
	int fd;
	char what[120];
} tty_transport;

static const struct {
	uint32_t baud;
	speed_t code;
} bauds[] = {
	{9600, B9600}, {19200, B19200}, {38400, B38400}, {57600, B57600},
	{115200, B115200}, {230400, B230400}, {460800, B460800}, {500000, B500000},
	{921600, B921600}, {1000000, B1000000}, {1500000, B1500000},
	{2000000, B2000000}, {3000000, B3000000}, {4000000, B4000000},
};

static int tty_open(const char *arg, sq_transport **out, sq_err *err)
{
	char path[100];
	uint32_t baud = 1000000;
	speed_t code = 0;
	const char *at = strchr(arg, '@');
	size_t n = at ? (size_t)(at - arg) : strlen(arg);
	struct termios tio;
	tty_transport *t;
	int fd;

	if (n == 0 || n >= sizeof(path))
		return sq_fail(err, SQ_LINK_E_NODEV, "tty:%s: expected tty:/dev/NAME[@BAUD]", arg);
	memcpy(path, arg, n);
	path[n] = '\0';
	if (at) {
		char *end;
		unsigned long v = strtoul(at + 1, &end, 10);
		if (*end || v == 0 || v > 12000000)
			return sq_fail(err, SQ_LINK_E_NODEV, "tty:%s: bad baud '%s'", arg, at + 1);
		baud = (uint32_t)v;
	}
	for (size_t i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++)
		if (bauds[i].baud == baud)
			code = bauds[i].code;
	if (!code)
		return sq_fail(err, SQ_LINK_E_NODEV, "tty:%s: baud %u not supported by termios here",
			       arg, baud);
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return sq_fail(err, SQ_LINK_E_NODEV, "tty:%s: open: %s", path, strerror(errno));
	if (tcgetattr(fd, &tio) < 0) {
		int e = errno;
		close(fd);
		return sq_fail(err, SQ_LINK_E_NODEV, "tty:%s: not a terminal: %s", path, strerror(e));
	}
	cfmakeraw(&tio);
	tio.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CRTSCTS);
	tio.c_cflag |= CLOCAL | CREAD | CS8;
	tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	cfsetispeed(&tio, code);
	cfsetospeed(&tio, code);
	if (tcsetattr(fd, TCSANOW, &tio) < 0) {
		int e = errno;
		close(fd);
		return sq_fail(err, SQ_LINK_E_NODEV, "tty:%s: tcsetattr: %s", path, strerror(e));
	}
	tcflush(fd, TCIOFLUSH);
	t = calloc(1, sizeof(*t));
	if (!t) {
		close(fd);
		return sq_fail(err, SQ_LINK_E_IO, "tty:%s: out of memory", path);
	}
	t->base.ops = &sq_transport_tty_ops;
	t->fd = fd;
	snprintf(t->what, sizeof(t->what), "tty:%s", path);
	*out = &t->base;
	return 0;
}

static int tty_write(sq_transport *b, const uint8_t *p, size_t n, int timeout_ms, sq_err *err)
{
	tty_transport *t = (tty_transport *)b;
	return sq_fd_write(t->fd, p, n, timeout_ms, t->what, err);
}

static int tty_read(sq_transport *b, uint8_t *p, size_t cap, int timeout_ms, sq_err *err)
{
	tty_transport *t = (tty_transport *)b;
	return sq_fd_read(t->fd, p, cap, timeout_ms, t->what, err);
}

static void tty_purge(sq_transport *b)
{
	tty_transport *t = (tty_transport *)b;
	tcflush(t->fd, TCIOFLUSH);
}

static void tty_close(sq_transport *b)
{
	tty_transport *t = (tty_transport *)b;
	close(t->fd);
	free(t);
}

const sq_transport_ops sq_transport_tty_ops = {
	.scheme = "tty",
	.open = tty_open,
	.write = tty_write,
	.read = tty_read,
	.purge = tty_purge,
	.close = tty_close,
};
