/*
 * transport.h - byte pipes to a sparq device: `sim:/path.sock` (the
 * board-level model's UNIX socket), `tty:/dev/ttyUSB0[@baud]` (termios raw,
 * 8N1) and `usb:VID:PID[:serial]` (libusb + libftdi1; only in binaries that
 * link host/daemon/transport_usb.c, see below).
 *
 * A transport moves bytes and knows nothing of frames. Reads wait at most a
 * given time and return what has arrived; a device that went away (socket
 * closed, tty hung up, USB device unplugged) gives SQ_LINK_E_GONE, so the
 * caller (device.c) can reconnect. Errors are negative sq_link_error codes
 * with a one-line message in the sq_err.
 *
 * The USB transport pulls in libusb-1.0 and libftdi1, which most tools do not
 * need: libsparq only holds a weak reference to sq_transport_usb_ops, and a
 * binary that links transport_usb.o (sparqd, sparq-usb) gets the `usb:`
 * scheme; others report that it is not built in.
 */
#ifndef SPARQ_TRANSPORT_H
#define SPARQ_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "sqm.h"

typedef struct sq_transport sq_transport;

typedef struct sq_transport_ops {
	const char *scheme; /* "sim", "tty", "usb" */
	/* Opens the part of the spec after "scheme:". SQ_LINK_E_NODEV when
	 * nothing is there. */
	int (*open)(const char *arg, sq_transport **out, sq_err *err);
	/* Writes all n bytes (waiting at most timeout_ms) or fails. */
	int (*write)(sq_transport *t, const uint8_t *p, size_t n, int timeout_ms, sq_err *err);
	/* Waits up to timeout_ms for bytes; returns how many were read (1..cap),
	 * 0 on timeout, or a negative code. */
	int (*read)(sq_transport *t, uint8_t *p, size_t cap, int timeout_ms, sq_err *err);
	/* Drops bytes in flight both ways (may be NULL). */
	void (*purge)(sq_transport *t);
	void (*close)(sq_transport *t);
} sq_transport_ops;

/* Every transport starts with this header. */
struct sq_transport {
	const sq_transport_ops *ops;
};

extern const sq_transport_ops sq_transport_sim_ops;
extern const sq_transport_ops sq_transport_tty_ops;
/* Defined only where the USB transport is linked in. */
extern const sq_transport_ops sq_transport_usb_ops __attribute__((weak));

/* Opens "scheme:arg". SQ_LINK_E_NODEV (bad or unknown spec, nothing there). */
int sq_transport_open(const char *spec, sq_transport **out, sq_err *err);
int sq_transport_write(sq_transport *t, const uint8_t *p, size_t n, int timeout_ms, sq_err *err);
int sq_transport_read(sq_transport *t, uint8_t *p, size_t cap, int timeout_ms, sq_err *err);
void sq_transport_purge(sq_transport *t);
void sq_transport_close(sq_transport *t); /* NULL is fine */

/* For transports over a file descriptor (sim, tty): write all / read some
 * with poll() and a timeout; EOF, EPIPE, ECONNRESET, EIO, ENODEV and ENXIO
 * become SQ_LINK_E_GONE. what names the device in messages. */
int sq_fd_write(int fd, const uint8_t *p, size_t n, int timeout_ms, const char *what,
		sq_err *err);
int sq_fd_read(int fd, uint8_t *p, size_t cap, int timeout_ms, const char *what, sq_err *err);

/* Milliseconds of CLOCK_MONOTONIC (for deadlines). */
int64_t sq_now_ms(void);
/* Nanoseconds of CLOCK_MONOTONIC (for round-trip times). */
int64_t sq_now_ns(void);

#endif
