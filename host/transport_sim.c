/*
 * transport_sim.c - `sim:/path.sock`: the board-level model (sparq-sim) or
 * the test emulator, reached through a UNIX stream socket whose bytes are the
 * UART's bytes (docs/protocol.md, "Board-level model").
 */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "link_proto.h"

typedef struct sim_transport {
	sq_transport base;
	int fd;
	char what[120];
} sim_transport;

static int sim_open(const char *arg, sq_transport **out, sq_err *err)
{
	struct sockaddr_un sa;
	sim_transport *t;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (!*arg || strlen(arg) >= sizeof(sa.sun_path))
		return sq_fail(err, SQ_LINK_E_NODEV, "sim:%s: socket path empty or longer than %zu",
			       arg, sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, arg, strlen(arg) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sq_fail(err, SQ_LINK_E_IO, "sim:%s: socket: %s", arg, strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return sq_fail(err, SQ_LINK_E_NODEV, "sim:%s: connect: %s", arg, strerror(e));
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	t = calloc(1, sizeof(*t));
	if (!t) {
		close(fd);
		return sq_fail(err, SQ_LINK_E_IO, "sim:%s: out of memory", arg);
	}
	t->base.ops = &sq_transport_sim_ops;
	t->fd = fd;
	snprintf(t->what, sizeof(t->what), "sim:%.100s", arg);
	*out = &t->base;
	return 0;
}

static int sim_write(sq_transport *b, const uint8_t *p, size_t n, int timeout_ms, sq_err *err)
{
	sim_transport *t = (sim_transport *)b;
	return sq_fd_write(t->fd, p, n, timeout_ms, t->what, err);
}

static int sim_read(sq_transport *b, uint8_t *p, size_t cap, int timeout_ms, sq_err *err)
{
	sim_transport *t = (sim_transport *)b;
	return sq_fd_read(t->fd, p, cap, timeout_ms, t->what, err);
}

static void sim_purge(sq_transport *b)
{
	sim_transport *t = (sim_transport *)b;
	uint8_t junk[256];
	while (read(t->fd, junk, sizeof(junk)) > 0)
		;
}

static void sim_close(sq_transport *b)
{
	sim_transport *t = (sim_transport *)b;
	close(t->fd);
	free(t);
}

const sq_transport_ops sq_transport_sim_ops = {
	.scheme = "sim",
	.open = sim_open,
	.write = sim_write,
	.read = sim_read,
	.purge = sim_purge,
	.close = sim_close,
};
