/*
 * transport_usb.c - `usb:VID:PID[:SERIAL][@BAUD]`: a sparq board through its
 * USB bridge, without a kernel serial driver.
 *
 * FTDI bridges (VID 0403: FT2232H on iCEBreaker, FT232H on UPduino, FT231X
 * on ULX3S) go through libftdi1: the UART channel (B on a two-channel
 * FT2232H/FT4232H, which is iCEBreaker's wiring; A otherwise), 8N1, no flow
 * control, BAUD (default 1000000), a 1 ms latency timer so a short answer is
 * not held back for the default 16 ms, and both buffers purged. Any other
 * VID:PID is taken as a CDC-ACM device: the first interface with a bulk IN
 * and a bulk OUT endpoint is claimed (the kernel's cdc_acm is detached), line
 * coding and DTR/RTS are set on the communication interface, and bytes go
 * over the bulk endpoints.
 *
 * Matching: every device with VID:PID, and with SERIAL when given (its
 * iSerialNumber string). Several matches without a serial is an error that
 * lists them. A device unplugged mid-run gives SQ_LINK_E_GONE, so device.c
 * reconnects.
 *
 * Only binaries that link this file (sparqd) get `usb:`; see transport.h.
 */
#include <errno.h>
#include <libusb.h>
#include <ftdi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "link_proto.h"
#include "transport.h"

#define FTDI_VID 0x0403u
#define USB_TIMEOUT_MS 100

typedef struct usb_transport {
	sq_transport base;
	libusb_context *ctx;         /* CDC-ACM: ours; FTDI: libftdi's */
	libusb_device_handle *h;     /* CDC-ACM */
	struct ftdi_context *ftdi;   /* FTDI */
	int data_if, comm_if;        /* CDC-ACM interfaces (comm_if -1 if none) */
	uint8_t ep_in, ep_out;
	uint16_t in_mps;
	uint8_t rx[1024];            /* CDC-ACM: bytes of a bulk IN not yet read */
	size_t rx_n, rx_pos;
	char what[96];
} usb_transport;

typedef struct usb_spec {
	uint16_t vid, pid;
	char serial[64];             /* empty: any */
	uint32_t baud;
} usb_spec;

static int parse_spec(const char *arg, usb_spec *s, sq_err *err)
{
	char buf[128], *p, *end;
	unsigned long v;

	memset(s, 0, sizeof(*s));
	s->baud = 1000000;
	if (strlen(arg) >= sizeof(buf))
		goto bad;
	strcpy(buf, arg);
	if ((p = strchr(buf, '@')) != NULL) {
		*p++ = '\0';
		v = strtoul(p, &end, 10);
		if (*end || v < 300 || v > 12000000)
			goto bad;
		s->baud = (uint32_t)v;
	}
	v = strtoul(buf, &end, 16);
	if (end == buf || *end != ':' || v > 0xFFFF)
		goto bad;
	s->vid = (uint16_t)v;
	p = end + 1;
	v = strtoul(p, &end, 16);
	if (end == p || (*end && *end != ':') || v > 0xFFFF)
		goto bad;
	s->pid = (uint16_t)v;
	if (*end == ':') {
		if (!end[1] || strlen(end + 1) >= sizeof(s->serial))
			goto bad;
		strcpy(s->serial, end + 1);
	}
	return 0;
bad:
	return sq_fail(err, SQ_LINK_E_NODEV,
		       "usb:%s: expected usb:VID:PID[:SERIAL][@BAUD] (VID, PID in hex)", arg);
}

/* Finds the one device matching s in ctx (a reference is taken). */
static int find_device(libusb_context *ctx, const usb_spec *s, const char *arg,
		       libusb_device **out, sq_err *err)
{
	libusb_device **list = NULL;
	ssize_t n = libusb_get_device_list(ctx, &list);
	char seen[200] = "";
	int matches = 0;

	*out = NULL;
	if (n < 0)
		return sq_fail(err, SQ_LINK_E_IO, "usb:%s: cannot list USB devices: %s", arg,
			       libusb_strerror((int)n));
	for (ssize_t i = 0; i < n; i++) {
		struct libusb_device_descriptor dd;
		char serial[64] = "";
		if (libusb_get_device_descriptor(list[i], &dd) || dd.idVendor != s->vid ||
		    dd.idProduct != s->pid)
			continue;
		if (dd.iSerialNumber) {
			libusb_device_handle *h;
			if (libusb_open(list[i], &h) == 0) {
				int r = libusb_get_string_descriptor_ascii(h, dd.iSerialNumber,
									   (unsigned char *)serial,
									   sizeof(serial));
				if (r < 0)
					serial[0] = '\0';
				libusb_close(h);
			}
		}
		if (s->serial[0] && strcmp(serial, s->serial) != 0)
			continue;
		matches++;
		size_t l = strlen(seen);
		snprintf(seen + l, sizeof(seen) - l, "%s%s", l ? ", " : "",
			 serial[0] ? serial : "(no serial)");
		if (!*out)
			*out = libusb_ref_device(list[i]);
	}
	libusb_free_device_list(list, 1);
	if (matches == 0)
		return sq_fail(err, SQ_LINK_E_NODEV, "usb:%s: no USB device %04x:%04x%s%s attached",
			       arg, s->vid, s->pid, s->serial[0] ? " with serial " : "", s->serial);
	if (matches > 1) {
		libusb_unref_device(*out);
		*out = NULL;
		return sq_fail(err, SQ_LINK_E_NODEV,
			       "usb:%s: %d devices match (serials %s); add :SERIAL", arg, matches,
			       seen);
	}
	return 0;
}

static bool gone_code(int r)
{
	return r == LIBUSB_ERROR_NO_DEVICE || r == LIBUSB_ERROR_IO || r == -666 /* libftdi */;
}

/* ---- FTDI ---------------------------------------------------------------- */

static int ftdi_fail(usb_transport *t, const char *step, int r, sq_err *err)
{
	return sq_fail(err, gone_code(r) ? SQ_LINK_E_GONE : SQ_LINK_E_IO, "%s: %s: %s (%d)",
		       t->what, step, ftdi_get_error_string(t->ftdi), r);
}

static int open_ftdi(usb_transport *t, const usb_spec *s, const char *arg, sq_err *err)
{
	libusb_device *dev = NULL;
	struct libusb_device_descriptor dd;
	int r;

	t->ftdi = ftdi_new();
	if (!t->ftdi)
		return sq_fail(err, SQ_LINK_E_IO, "%s: ftdi_new failed", t->what);
	t->ctx = t->ftdi->usb_ctx;
	r = find_device(t->ctx, s, arg, &dev, err);
	if (r)
		return r;
	libusb_get_device_descriptor(dev, &dd);
	/* two-channel parts (FT2232H 0x700, FT4232H 0x800, FT2232C/D 0x500):
	 * the UART is channel B on iCEBreaker; single-channel parts have A only */
	enum ftdi_interface itf =
		(dd.bcdDevice == 0x0700 || dd.bcdDevice == 0x0800 || dd.bcdDevice == 0x0500)
			? INTERFACE_B : INTERFACE_A;
	if ((r = ftdi_set_interface(t->ftdi, itf)) < 0 ||
	    (r = ftdi_usb_open_dev(t->ftdi, dev)) < 0) {
		libusb_unref_device(dev);
		return sq_fail(err, gone_code(r) ? SQ_LINK_E_NODEV : SQ_LINK_E_IO,
			       "%s: open: %s (%d)", t->what, ftdi_get_error_string(t->ftdi), r);
	}
	libusb_unref_device(dev);
	t->ftdi->usb_read_timeout = USB_TIMEOUT_MS;
	t->ftdi->usb_write_timeout = 1000;
	if ((r = ftdi_set_baudrate(t->ftdi, (int)s->baud)) < 0)
		return ftdi_fail(t, "set baud", r, err);
	if ((r = ftdi_set_line_property(t->ftdi, BITS_8, STOP_BIT_1, NONE)) < 0)
		return ftdi_fail(t, "set 8N1", r, err);
	if ((r = ftdi_setflowctrl(t->ftdi, SIO_DISABLE_FLOW_CTRL)) < 0)
		return ftdi_fail(t, "no flow control", r, err);
	if ((r = ftdi_set_latency_timer(t->ftdi, 1)) < 0)
		return ftdi_fail(t, "latency timer", r, err);
	if ((r = ftdi_tcioflush(t->ftdi)) < 0)
		return ftdi_fail(t, "purge", r, err);
	return 0;
}

/* ---- CDC-ACM ------------------------------------------------------------- */

static int open_cdc(usb_transport *t, const usb_spec *s, const char *arg, sq_err *err)
{
	libusb_device *dev = NULL;
	struct libusb_config_descriptor *cfg = NULL;
	int r;

	if ((r = libusb_init(&t->ctx)) < 0)
		return sq_fail(err, SQ_LINK_E_IO, "%s: libusb_init: %s", t->what, libusb_strerror(r));
	r = find_device(t->ctx, s, arg, &dev, err);
	if (r)
		return r;
	r = libusb_get_active_config_descriptor(dev, &cfg);
	if (r == 0)
		r = libusb_open(dev, &t->h);
	libusb_unref_device(dev);
	if (r < 0) {
		if (cfg)
			libusb_free_config_descriptor(cfg);
		return sq_fail(err, SQ_LINK_E_NODEV, "%s: open: %s", t->what, libusb_strerror(r));
	}
	t->data_if = t->comm_if = -1;
	for (int i = 0; i < cfg->bNumInterfaces && t->data_if < 0; i++) {
		const struct libusb_interface_descriptor *id = &cfg->interface[i].altsetting[0];
		uint8_t in = 0, out = 0;
		uint16_t mps = 0;
		if (id->bInterfaceClass == LIBUSB_CLASS_COMM)
			t->comm_if = id->bInterfaceNumber;
		for (int e = 0; e < id->bNumEndpoints; e++) {
			const struct libusb_endpoint_descriptor *ed = &id->endpoint[e];
			if ((ed->bmAttributes & 3) != LIBUSB_TRANSFER_TYPE_BULK)
				continue;
			if (ed->bEndpointAddress & LIBUSB_ENDPOINT_IN) {
				in = ed->bEndpointAddress;
				mps = ed->wMaxPacketSize;
			} else {
				out = ed->bEndpointAddress;
			}
		}
		if (in && out) {
			t->data_if = id->bInterfaceNumber;
			t->ep_in = in;
			t->ep_out = out;
			t->in_mps = mps ? mps : 64;
		}
	}
	libusb_free_config_descriptor(cfg);
	if (t->data_if < 0)
		return sq_fail(err, SQ_LINK_E_NODEV, "%s: no interface with bulk IN and OUT endpoints",
			       t->what);
	libusb_set_auto_detach_kernel_driver(t->h, 1);
	if (t->comm_if >= 0 && libusb_claim_interface(t->h, t->comm_if) < 0)
		t->comm_if = -1;
	if ((r = libusb_claim_interface(t->h, t->data_if)) < 0)
		return sq_fail(err, SQ_LINK_E_IO, "%s: claim interface %d: %s", t->what, t->data_if,
			       libusb_strerror(r));
	if (t->comm_if >= 0) {
		/* SET_LINE_CODING: baud, 1 stop bit, no parity, 8 bits; then DTR|RTS */
		uint8_t lc[7];
		sq_put_u32(lc, s->baud);
		lc[4] = 0;
		lc[5] = 0;
		lc[6] = 8;
		libusb_control_transfer(t->h, 0x21, 0x20, 0, (uint16_t)t->comm_if, lc, 7, 1000);
		libusb_control_transfer(t->h, 0x21, 0x22, 3, (uint16_t)t->comm_if, NULL, 0, 1000);
	}
	return 0;
}

/* ---- the transport ------------------------------------------------------- */

static void usb_close(sq_transport *b)
{
	usb_transport *t = (usb_transport *)b;
	if (t->ftdi) {
		if (t->ftdi->usb_dev)
			ftdi_usb_close(t->ftdi);
		ftdi_free(t->ftdi); /* exits its libusb context */
	} else {
		if (t->h) {
			libusb_release_interface(t->h, t->data_if);
			if (t->comm_if >= 0)
				libusb_release_interface(t->h, t->comm_if);
			libusb_close(t->h);
		}
		if (t->ctx)
			libusb_exit(t->ctx);
	}
	free(t);
}

static int usb_open(const char *arg, sq_transport **out, sq_err *err)
{
	usb_spec s;
	usb_transport *t;
	int rc = parse_spec(arg, &s, err);

	*out = NULL;
	if (rc)
		return rc;
	t = calloc(1, sizeof(*t));
	if (!t)
		return sq_fail(err, SQ_LINK_E_IO, "usb:%s: out of memory", arg);
	t->base.ops = &sq_transport_usb_ops;
	t->comm_if = -1;
	snprintf(t->what, sizeof(t->what), "usb:%04x:%04x%s%s", s.vid, s.pid,
		 s.serial[0] ? ":" : "", s.serial);
	rc = s.vid == FTDI_VID ? open_ftdi(t, &s, arg, err) : open_cdc(t, &s, arg, err);
	if (rc) {
		usb_close(&t->base);
		return rc;
	}
	*out = &t->base;
	return 0;
}

static int usb_write(sq_transport *b, const uint8_t *p, size_t n, int timeout_ms, sq_err *err)
{
	usb_transport *t = (usb_transport *)b;
	if (t->ftdi) {
		t->ftdi->usb_write_timeout = timeout_ms;
		int r = ftdi_write_data(t->ftdi, p, (int)n);
		if (r < 0)
			return ftdi_fail(t, "write", r, err);
		if ((size_t)r != n)
			return sq_fail(err, SQ_LINK_E_TIMEOUT, "%s: wrote %d of %zu bytes", t->what, r, n);
		return 0;
	}
	size_t done = 0;
	while (done < n) {
		int got = 0;
		int r = libusb_bulk_transfer(t->h, t->ep_out, (unsigned char *)p + done,
					     (int)(n - done), &got, (unsigned)timeout_ms);
		done += (size_t)got;
		if (r == LIBUSB_ERROR_TIMEOUT && done < n)
			return sq_fail(err, SQ_LINK_E_TIMEOUT, "%s: write stalled (%zu of %zu bytes)",
				       t->what, done, n);
		if (r < 0 && r != LIBUSB_ERROR_TIMEOUT)
			return sq_fail(err, gone_code(r) ? SQ_LINK_E_GONE : SQ_LINK_E_IO,
				       "%s: write: %s", t->what, libusb_strerror(r));
	}
	return 0;
}

static void nap_us(long us)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = us * 1000L};
	nanosleep(&ts, NULL);
}

static int usb_read(sq_transport *b, uint8_t *p, size_t cap, int timeout_ms, sq_err *err)
{
	usb_transport *t = (usb_transport *)b;
	int64_t deadline = sq_now_ms() + timeout_ms;

	for (;;) {
		if (t->ftdi) {
			/* libftdi strips the two modem-status bytes of every packet */
			int r = ftdi_read_data(t->ftdi, p, (int)(cap > 4096 ? 4096 : cap));
			if (r > 0)
				return r;
			if (r < 0 && r != LIBUSB_ERROR_TIMEOUT)
				return ftdi_fail(t, "read", r, err);
		} else {
			if (t->rx_pos < t->rx_n) {
				size_t k = t->rx_n - t->rx_pos < cap ? t->rx_n - t->rx_pos : cap;
				memcpy(p, t->rx + t->rx_pos, k);
				t->rx_pos += k;
				return (int)k;
			}
			int got = 0;
			int64_t left = deadline - sq_now_ms();
			int r = libusb_bulk_transfer(t->h, t->ep_in, t->rx, sizeof(t->rx), &got,
						     (unsigned)(left > 0 ? left : 1));
			if (got > 0) {
				t->rx_n = (size_t)got;
				t->rx_pos = 0;
				continue;
			}
			if (r < 0 && r != LIBUSB_ERROR_TIMEOUT)
				return sq_fail(err, gone_code(r) ? SQ_LINK_E_GONE : SQ_LINK_E_IO,
					       "%s: read: %s", t->what, libusb_strerror(r));
		}
		if (sq_now_ms() >= deadline)
			return 0;
		/* a real FTDI answers an empty poll after its 1 ms latency timer;
		 * do not spin faster than that on bridges that answer at once */
		nap_us(250);
	}
}

static void usb_purge(sq_transport *b)
{
	usb_transport *t = (usb_transport *)b;
	if (t->ftdi)
		ftdi_tcioflush(t->ftdi);
	else
		t->rx_n = t->rx_pos = 0;
}

const sq_transport_ops sq_transport_usb_ops = {
	.scheme = "usb",
	.open = usb_open,
	.write = usb_write,
	.read = usb_read,
	.purge = usb_purge,
	.close = usb_close,
};
