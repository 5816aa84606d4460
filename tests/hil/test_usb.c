/*
 * test_usb.c - the usb: transport (host/daemon/transport_usb.c) against a
 * scripted FTDI FT2232H answered in-process through umockdev: a fake device
 * in a UMockdevTestbed whose usbfs node is served by an ioctl handler
 * (SUBMITURB, REAPURB[NDELAY], DISCARDURB, CLAIMINTERFACE...). The fake
 * answers the control requests libftdi sends (reset, baud, 8N1, flow
 * control, latency timer, purge) and records them; bulk OUT bytes on
 * channel B go through a device-side frame parser and INFO/INFER are
 * answered by the golden model of a random model; bulk IN packets start with
 * the two FTDI modem-status bytes, as the chip sends them.
 *
 * Run under umockdev-wrapper (it preloads the library that redirects /sys
 * and /dev into the testbed). Checks: matching by VID:PID[:serial] and the
 * no-device errors, open and configuration, a bulk round trip of real frames
 * checked against the golden model, and a device that goes away.
 */
#include <errno.h>
#include <linux/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <umockdev.h>

#include "device.h"
#include "golden.h"
#include "link_frame.h"
#include "link_proto.h"
#include "randmodel.h"
#include "rng.h"
#include "transport.h"
#include "testlib.h"

/* FT2232H, full-speed descriptors: two vendor interfaces, 64-byte bulk
 * endpoints (A: 0x81 in, 0x02 out; B: 0x83 in, 0x04 out). */
static const uint8_t dev_desc[18] = {
	0x12, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40, 0x03, 0x04, 0x10, 0x60,
	0x00, 0x07, 0x01, 0x02, 0x03, 0x01,
};
static const uint8_t cfg_desc[55] = {
	0x09, 0x02, 0x37, 0x00, 0x02, 0x01, 0x00, 0x80, 0x32,
	0x09, 0x04, 0x00, 0x00, 0x02, 0xFF, 0xFF, 0xFF, 0x02,
	0x07, 0x05, 0x81, 0x02, 0x40, 0x00, 0x00,
	0x07, 0x05, 0x02, 0x02, 0x40, 0x00, 0x00,
	0x09, 0x04, 0x01, 0x00, 0x02, 0xFF, 0xFF, 0xFF, 0x02,
	0x07, 0x05, 0x83, 0x02, 0x40, 0x00, 0x00,
	0x07, 0x05, 0x04, 0x02, 0x40, 0x00, 0x00,
};
/* A CDC-ACM device (pid.codes test PID 1209:0001): interface 0 comm class
 * with an interrupt endpoint, interface 1 data class with bulk 0x82 in and
 * 0x01 out. */
static const uint8_t cdc_dev_desc[18] = {
	0x12, 0x01, 0x00, 0x02, 0x02, 0x00, 0x00, 0x40, 0x09, 0x12, 0x01, 0x00,
	0x00, 0x01, 0x01, 0x02, 0x03, 0x01,
};
static const uint8_t cdc_cfg_desc[48] = {
	0x09, 0x02, 0x30, 0x00, 0x02, 0x01, 0x00, 0x80, 0x32,
	0x09, 0x04, 0x00, 0x00, 0x01, 0x02, 0x02, 0x01, 0x00,
	0x07, 0x05, 0x83, 0x03, 0x08, 0x00, 0x10,
	0x09, 0x04, 0x01, 0x00, 0x02, 0x0A, 0x00, 0x00, 0x00,
	0x07, 0x05, 0x82, 0x02, 0x40, 0x00, 0x00,
	0x07, 0x05, 0x01, 0x02, 0x40, 0x00, 0x00,
};

/* FTDI vendor requests (FTDI AN232B-05; independent of libftdi's header) */
enum {
	FT_RESET = 0, FT_SET_FLOW = 2, FT_SET_BAUD = 3, FT_SET_DATA = 4,
	FT_SET_LATENCY = 9, FT_GET_LATENCY = 10,
};

static const char *const strings[] = {NULL, "sparq", "fake FT2232H", "SQ0001"};

typedef struct done_urb {
	UMockdevIoctlData *urb;
	int status, actual;
	int off;               /* where the data goes in the buffer */
	int n;
	uint8_t data[4096];
} done_urb;

typedef struct fake {
	pthread_mutex_t mu;
	GList *done;           /* done_urb*, in completion order */
	bool gone;
	/* what libftdi configured (last value of each request) */
	int baud_value, baud_index, data_value, flow_value, latency, purges, resets;
	int wrong_channel;     /* bulk traffic on channel A */
	/* the device side of the link */
	sq_frame_parser parser;
	uint8_t tx[8192];
	size_t tx_n;
	uint32_t frames_in;
	bool cdc;
	int cdc_baud, cdc_lines;
} fake;

static fake F, C; /* the FTDI bridge, a CDC-ACM device */
static sq_model *model;
static sq_golden_ws ws;

static void put_string_desc(done_urb *d, unsigned idx, unsigned wlen)
{
	uint8_t s[64];
	int n;
	if (idx == 0) {
		s[0] = 4; s[1] = 3; s[2] = 0x09; s[3] = 0x04;
		n = 4;
	} else if (idx < 4) {
		const char *t = strings[idx];
		n = 2;
		for (size_t i = 0; t[i]; i++) {
			s[n++] = (uint8_t)t[i];
			s[n++] = 0;
		}
		s[0] = (uint8_t)n;
		s[1] = 3;
	} else {
		d->status = -EPIPE;
		return;
	}
	d->n = n < (int)wlen ? n : (int)wlen;
	memcpy(d->data, s, (size_t)d->n);
}

/* The device side: one good request frame in, its answer queued. */
static void device_serve(fake *f, const sq_frame *q)
{
	static sq_frame r;
	uint8_t wire[SQ_LINK_MAX_WIRE];
	r.type = (uint8_t)(q->type | SQ_LINK_RESP);
	r.seq = q->seq;
	if (q->type == SQ_LINK_INFO) {
		sq_link_info in = {.P = 8, .AW = 8, .WW = 8, .ACCW = 32, .MAXW = 256, .MAXL = 8,
				   .LG_WD = 12, .LG_RD = 9, .in_dim = 4, .out_dim = 2,
				   .model_id = 0x5A5A0001, .build_id = 1, .clk_hz = 12000000,
				   .baud = 1000000};
		sq_link_info_encode(&r, &in);
	} else if (q->type == SQ_LINK_INFER) {
		int32_t x[4], qq[2];
		int64_t qv[2];
		if (sq_link_infer_req_decode(q, 4, 8, x)) {
			sq_link_error_encode(&r, SQ_DEV_E_LENGTH, q->type);
		} else {
			uint32_t a = sq_golden_infer(model, x, qv, &ws, NULL);
			qq[0] = (int32_t)qv[0];
			qq[1] = (int32_t)qv[1];
			sq_link_infer_resp_encode(&r, (uint16_t)a, 123, qq, 2);
		}
	} else {
		sq_link_error_encode(&r, SQ_DEV_E_TYPE, q->type);
	}
	r.seq = q->seq;
	int n = sq_frame_encode(&r, wire, sizeof(wire));
	if (n > 0 && f->tx_n + (size_t)n <= sizeof(f->tx)) {
		memcpy(f->tx + f->tx_n, wire, (size_t)n);
		f->tx_n += (size_t)n;
	}
}

/* Computes the outcome of one URB at submit time (under f->mu). */
static void complete_urb(fake *f, const struct usbdevfs_urb *urb, const uint8_t *buf, done_urb *d)
{
	d->status = 0;
	d->actual = 0;
	d->off = 0;
	d->n = 0;
	if (urb->type == USBDEVFS_URB_TYPE_CONTROL) {
		uint8_t rt = buf[0], req = buf[1];
		unsigned val = (unsigned)(buf[2] | buf[3] << 8);
		unsigned idx = (unsigned)(buf[4] | buf[5] << 8);
		unsigned wlen = (unsigned)(buf[6] | buf[7] << 8);
		d->off = 8;
		if (rt == 0x80 && req == 6) { /* GET_DESCRIPTOR */
			unsigned type = val >> 8;
			const uint8_t *dd = f->cdc ? cdc_dev_desc : dev_desc;
			const uint8_t *cd = f->cdc ? cdc_cfg_desc : cfg_desc;
			unsigned cl = f->cdc ? sizeof(cdc_cfg_desc) : sizeof(cfg_desc);
			if (type == 1) {
				d->n = wlen < 18 ? (int)wlen : 18;
				memcpy(d->data, dd, (size_t)d->n);
			} else if (type == 2) {
				d->n = wlen < cl ? (int)wlen : (int)cl;
				memcpy(d->data, cd, (size_t)d->n);
			} else if (type == 3) {
				put_string_desc(d, val & 0xFF, wlen);
			} else {
				d->status = -EPIPE;
			}
		} else if (rt == 0x80 && req == 8) { /* GET_CONFIGURATION */
			d->data[0] = 1;
			d->n = 1;
		} else if (f->cdc && rt == 0x21) { /* CDC class requests to interface 0 */
			if (req == 0x20 && wlen == 7)
				f->cdc_baud = (int)(buf[8] | buf[9] << 8 | buf[10] << 16 | buf[11] << 24);
			else if (req == 0x22)
				f->cdc_lines = (int)val;
			if (idx != 0)
				f->wrong_channel++;
		} else if (!f->cdc && rt == 0x40) { /* FTDI vendor OUT */
			switch (req) {
			case FT_RESET:
				if (val == 0)
					f->resets++;
				else
					f->purges++;
				break;
			case FT_SET_BAUD: f->baud_value = (int)val; f->baud_index = (int)idx; break;
			case FT_SET_DATA: f->data_value = (int)val; break;
			case FT_SET_FLOW: f->flow_value = (int)val; break;
			case FT_SET_LATENCY: f->latency = (int)val; break;
			default: break;
			}
			if ((idx & 0xFF) != 2 && req != FT_SET_BAUD)
				f->wrong_channel++;
		} else if (!f->cdc && rt == 0xC0) { /* FTDI vendor IN */
			if (req == FT_GET_LATENCY) {
				d->data[0] = (uint8_t)f->latency;
				d->n = 1;
			} else {
				d->data[0] = 0x01; /* modem status, EEPROM words... */
				d->data[1] = 0x60;
				d->n = wlen < 2 ? (int)wlen : 2;
			}
		} else {
			d->status = -EPIPE;
		}
		d->actual = d->n;
		return;
	}
	if (urb->type != USBDEVFS_URB_TYPE_BULK) {
		d->status = -EINVAL;
		return;
	}
	uint8_t ep_out = f->cdc ? 0x01 : 0x04, ep_in = f->cdc ? 0x82 : 0x83;
	if (!f->cdc && (urb->endpoint == 0x02 || urb->endpoint == 0x81))
		f->wrong_channel++;
	if (f->cdc && urb->endpoint == ep_in) { /* CDC: plain bytes, no status */
		size_t k = f->tx_n < (size_t)urb->buffer_length ? f->tx_n : (size_t)urb->buffer_length;
		if (k > sizeof(d->data))
			k = sizeof(d->data);
		memcpy(d->data, f->tx, k);
		memmove(f->tx, f->tx + k, f->tx_n - k);
		f->tx_n -= k;
		d->n = d->actual = (int)k;
		return;
	}
	if (urb->endpoint == ep_out) { /* host -> device */
		static sq_frame q;
		for (int i = 0; i < urb->buffer_length; i++)
			if (sq_frame_parser_push(&f->parser, buf[i], &q) == SQ_FRAME_OK) {
				f->frames_in++;
				device_serve(f, &q);
			}
		d->actual = urb->buffer_length;
		return;
	}
	if (urb->endpoint == ep_in) { /* FTDI: 64-byte packets, 2 status bytes each */
		int cap = urb->buffer_length < (int)sizeof(d->data) ? urb->buffer_length
								     : (int)sizeof(d->data);
		size_t used = 0;
		int o = 0;
		do {
			if (o + 2 > cap)
				break;
			d->data[o++] = 0x01;
			d->data[o++] = 0x60;
			while (used < f->tx_n && o % 64 != 0 && o < cap)
				d->data[o++] = f->tx[used++];
		} while (used < f->tx_n && o < cap);
		memmove(f->tx, f->tx + used, f->tx_n - used);
		f->tx_n -= used;
		d->n = o;
		d->actual = o;
		return;
	}
	d->status = -EINVAL;
}

static gboolean handle_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client,
			     gpointer user)
{
	UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
	unsigned long req = umockdev_ioctl_client_get_request(client);
	fake *f = user;
	(void)handler;

	switch (req) {
	case USBDEVFS_GET_CAPABILITIES: {
		UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof(guint32), NULL);
		*(guint32 *)d->data = USBDEVFS_CAP_BULK_CONTINUATION | USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
				      USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
		umockdev_ioctl_data_unref(d);
		umockdev_ioctl_client_complete(client, 0, 0);
		return TRUE;
	}
	case USBDEVFS_CLAIMINTERFACE:
	case USBDEVFS_RELEASEINTERFACE:
	case USBDEVFS_CLEAR_HALT:
	case USBDEVFS_RESET:
	case USBDEVFS_RESETEP:
	case USBDEVFS_SETINTERFACE:
		umockdev_ioctl_client_complete(client, f->gone ? -1 : 0, f->gone ? ENODEV : 0);
		return TRUE;
	case USBDEVFS_IOCTL:      /* detach a kernel driver: none is bound */
	case USBDEVFS_GETDRIVER:
		umockdev_ioctl_client_complete(client, -1, ENODATA);
		return TRUE;
	case USBDEVFS_SUBMITURB: {
		UMockdevIoctlData *ud = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_urb),
								     NULL);
		struct usbdevfs_urb *urb = (struct usbdevfs_urb *)ud->data;
		UMockdevIoctlData *bd = umockdev_ioctl_data_resolve(
			ud, G_STRUCT_OFFSET(struct usbdevfs_urb, buffer), (gsize)urb->buffer_length, NULL);
		pthread_mutex_lock(&f->mu);
		if (f->gone) {
			pthread_mutex_unlock(&f->mu);
			umockdev_ioctl_data_unref(bd);
			umockdev_ioctl_data_unref(ud);
			umockdev_ioctl_client_complete(client, -1, ENODEV);
			return TRUE;
		}
		done_urb *d = g_new0(done_urb, 1);
		complete_urb(f, urb, bd->data, d);
		d->urb = ud; /* keeps the reference */
		f->done = g_list_append(f->done, d);
		pthread_mutex_unlock(&f->mu);
		umockdev_ioctl_data_unref(bd);
		umockdev_ioctl_client_complete(client, 0, 0);
		return TRUE;
	}
	case USBDEVFS_REAPURB:
	case USBDEVFS_REAPURBNDELAY: {
		pthread_mutex_lock(&f->mu);
		done_urb *d = f->done ? f->done->data : NULL;
		if (d)
			f->done = g_list_delete_link(f->done, f->done);
		bool gone = f->gone;
		pthread_mutex_unlock(&f->mu);
		if (!d) {
			umockdev_ioctl_client_complete(client, -1, gone ? ENODEV : EAGAIN);
			return TRUE;
		}
		struct usbdevfs_urb *urb = (struct usbdevfs_urb *)d->urb->data;
		if (d->n > 0 && d->off + d->n <= urb->buffer_length)
			memcpy((uint8_t *)urb->buffer + d->off, d->data, (size_t)d->n);
		urb->actual_length = d->actual;
		urb->status = d->status;
		UMockdevIoctlData *p = umockdev_ioctl_data_resolve(arg, 0, sizeof(gpointer), NULL);
		umockdev_ioctl_data_set_ptr(p, 0, d->urb);
		umockdev_ioctl_data_unref(p);
		umockdev_ioctl_data_unref(d->urb);
		g_free(d);
		umockdev_ioctl_client_complete(client, 0, 0);
		return TRUE;
	}
	case USBDEVFS_DISCARDURB: {
		/* every URB completes at once, so there is never one to discard */
		umockdev_ioctl_client_complete(client, -1, EINVAL);
		return TRUE;
	}
	default:
		return FALSE;
	}
}

static UMockdevTestbed *tb;
static UMockdevIoctlBase *handler;

static UMockdevIoctlBase *handler_cdc;

static void add_device(bool cdc)
{
	const uint8_t *dd = cdc ? cdc_dev_desc : dev_desc, *cd = cdc ? cdc_cfg_desc : cfg_desc;
	size_t cl = cdc ? sizeof(cdc_cfg_desc) : sizeof(cfg_desc);
	char hex[2 * (18 + sizeof(cfg_desc)) + 1];
	char spec[1200];
	size_t o = 0;
	for (size_t i = 0; i < 18; i++)
		o += (size_t)sprintf(hex + o, "%02x", dd[i]);
	for (size_t i = 0; i < cl; i++)
		o += (size_t)sprintf(hex + o, "%02x", cd[i]);
	int n = cdc ? 2 : 1;
	snprintf(spec, sizeof(spec),
		 "P: /devices/usb%d\nN: bus/usb/001/00%d\nE: SUBSYSTEM=usb\nE: DRIVER=usb\n"
		 "E: BUSNUM=001\nE: DEVNUM=00%d\nE: DEVNAME=/dev/bus/usb/001/00%d\n"
		 "E: DEVTYPE=usb_device\nA: bConfigurationValue=1\\n\nA: busnum=1\\n\n"
		 "A: devnum=%d\\n\nA: speed=12\\n\nH: descriptors=%s\n",
		 n, n, n, n, n, hex);
	char node[32];
	snprintf(node, sizeof(node), "/dev/bus/usb/001/00%d", n);
	umockdev_testbed_attach_ioctl(tb, node, cdc ? handler_cdc : handler, NULL);
	umockdev_testbed_add_from_string(tb, spec, NULL);
}

static int t_usb_no_device(void)
{
	sq_transport *t;
	sq_err err;
	CHECK(sq_transport_open("usb:0403:6010", &t, &err) == SQ_LINK_E_NODEV);
	CHECKF(strstr(err.msg, "no USB device 0403:6010") != NULL, "%s", err.msg);
	CHECK(sq_transport_open("usb:zz:6010", &t, &err) == SQ_LINK_E_NODEV);
	CHECK(strstr(err.msg, "expected usb:VID:PID") != NULL);
	return 0;
}

static int t_usb_matching(void)
{
	sq_transport *t;
	sq_err err;
	CHECK(sq_transport_open("usb:0403:6014", &t, &err) == SQ_LINK_E_NODEV);
	CHECK(sq_transport_open("usb:0403:6010:OTHER", &t, &err) == SQ_LINK_E_NODEV);
	CHECKF(strstr(err.msg, "with serial OTHER") != NULL, "%s", err.msg);
	int rc = sq_transport_open("usb:0403:6010:SQ0001", &t, &err);
	CHECKF(rc == 0, "%s", err.msg);
	sq_transport_close(t);
	return 0;
}

static int t_usb_open_configures(void)
{
	sq_transport *t;
	sq_err err;
	F.baud_value = F.latency = F.data_value = F.flow_value = -1;
	F.purges = F.resets = F.wrong_channel = 0;
	int rc = sq_transport_open("usb:0403:6010@1000000", &t, &err);
	CHECKF(rc == 0, "%s", err.msg);
	sq_transport_close(t);
	/* FT2232H: 12 MHz base (120 MHz / 10), divisor 12 -> 1 Mbaud; bit 17 of
	 * the encoded divisor (high byte of wIndex, 0x02) selects that clock;
	 * the low byte of wIndex is the channel: 2 = B */
	CHECKF(F.baud_value == 12, "baud value %d", F.baud_value);
	CHECKF((F.baud_index & 0xFF) == 2 && (F.baud_index & 0x200), "baud index 0x%x",
	       F.baud_index);
	CHECKF(F.data_value == 0x0008, "data 0x%x (8 bits, no parity, 1 stop)", F.data_value);
	CHECK(F.flow_value == 0);
	CHECKF(F.latency == 1, "latency %d", F.latency);
	CHECK(F.resets >= 1 && F.purges >= 2);
	CHECK(F.wrong_channel == 0);
	return 0;
}

static int t_usb_bulk_roundtrip(void)
{
	sq_device *d;
	sq_err err;
	sq_rng r;
	int32_t x[4], q[2];
	int64_t qv[2];
	int rc = sq_device_open("usb:0403:6010", NULL, &d, &err);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(sq_device_get_info(d)->model_id == 0x5A5A0001);
	sq_rng_seed(&r, 3);
	int bad = 0;
	for (int i = 0; i < 200 && rc == 0; i++) {
		uint16_t a;
		uint32_t cyc;
		for (int k = 0; k < 4; k++)
			x[k] = (int32_t)sq_rng_range(&r, -127, 127);
		rc = sq_device_infer(d, x, &a, &cyc, q, &err);
		if (rc == 0 && (a != sq_golden_infer(model, x, qv, &ws, NULL) || q[0] != qv[0] ||
				cyc != 123))
			bad++;
	}
	sq_device_counters c = *sq_device_get_counters(d);
	sq_device_close(d);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(bad == 0);
	CHECK(c.retransmits == 0 && c.crc_errors == 0);
	CHECK(F.frames_in >= 201 && F.wrong_channel == 0);
	return 0;
}

/* A CDC-ACM device: plain bulk endpoints of its data interface, line
 * coding and DTR/RTS on its communication interface. */
static int t_usb_cdc_acm(void)
{
	sq_device *d;
	sq_err err;
	int32_t x[4] = {5, -6, 7, -8}, q[2];
	int64_t qv[2];
	uint16_t a;
	uint32_t cyc;
	int rc = sq_device_open("usb:1209:0001@3000000", NULL, &d, &err);
	CHECKF(rc == 0, "%s", err.msg);
	int bad = 0;
	for (int i = 0; i < 50 && rc == 0; i++) {
		x[0] = i - 25;
		rc = sq_device_infer(d, x, &a, &cyc, q, &err);
		if (rc == 0 && (a != sq_golden_infer(model, x, qv, &ws, NULL) || q[1] != qv[1]))
			bad++;
	}
	sq_device_close(d);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(bad == 0 && C.frames_in == 51);
	CHECKF(C.cdc_baud == 3000000 && C.cdc_lines == 3 && C.wrong_channel == 0,
	       "baud %d lines %d", C.cdc_baud, C.cdc_lines);
	return 0;
}

static int t_usb_device_gone(void)
{
	sq_device *d;
	sq_err err;
	sq_device_opts o;
	int32_t x[4] = {1, 2, 3, 4};
	uint16_t a;
	uint32_t cyc;
	sq_device_opts_default(&o);
	o.reconnect_ms = 300;
	int rc = sq_device_open("usb:0403:6010", &o, &d, &err);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(sq_device_infer(d, x, &a, &cyc, NULL, &err) == 0);
	/* unplugged: every URB now fails with ENODEV, and the node goes away */
	pthread_mutex_lock(&F.mu);
	F.gone = true;
	pthread_mutex_unlock(&F.mu);
	umockdev_testbed_uevent(tb, "/sys/devices/usb1", "remove");
	umockdev_testbed_remove_device(tb, "/sys/devices/usb1");
	int64_t t0 = sq_now_ms();
	rc = sq_device_infer(d, x, &a, &cyc, NULL, &err);
	int64_t dt = sq_now_ms() - t0;
	sq_device_counters c = *sq_device_get_counters(d);
	sq_device_close(d);
	CHECKF(rc == SQ_LINK_E_GONE, "rc %d: %s", rc, err.msg);
	CHECKF(strstr(err.msg, "not back") != NULL && strstr(err.msg, "no USB device") != NULL,
	       "%s", err.msg);
	CHECK(c.losses == 1);
	CHECK(dt < 2000);
	return 0;
}

int main(void)
{
	sq_randmodel_opts ro;
	sq_err err;

	if (!getenv("LD_PRELOAD") || !strstr(getenv("LD_PRELOAD"), "umockdev")) {
		printf("SKIP: test_usb (run under umockdev-wrapper)\n");
		return 0;
	}
	pthread_mutex_init(&F.mu, NULL);
	pthread_mutex_init(&C.mu, NULL);
	sq_frame_parser_init(&F.parser);
	sq_frame_parser_init(&C.parser);
	C.cdc = true;
	sq_randmodel_defaults(&ro);
	ro.seed = 5;
	if (sq_random_model(&ro, &model, &err)) {
		fprintf(stderr, "test_usb: %s\n", err.msg);
		return 1;
	}
	tb = umockdev_testbed_new();
	handler = umockdev_ioctl_base_new();
	handler_cdc = umockdev_ioctl_base_new();
	g_signal_connect(handler, "handle-ioctl", G_CALLBACK(handle_ioctl), &F);
	g_signal_connect(handler_cdc, "handle-ioctl", G_CALLBACK(handle_ioctl), &C);

	RUN(t_usb_no_device);
	add_device(false);
	add_device(true);
	RUN(t_usb_matching);
	RUN(t_usb_open_configures);
	RUN(t_usb_bulk_roundtrip);
	RUN(t_usb_cdc_acm);
	RUN(t_usb_device_gone);

	g_object_unref(handler);
	g_object_unref(tb);
	g_object_unref(handler_cdc);
	sq_model_free(model);
	return tl_done();
}
