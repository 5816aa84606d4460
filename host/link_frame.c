/*
 * link_frame.c - SLIP framing and CRC-16 of the sparq link (link_frame.h).
 *
 * The CRC is bitwise (no table): a frame is at most 518 bytes and the link
 * runs at a few Mbaud, so speed is not the concern; agreeing with the RTL,
 * which computes it the same way, is.
 */
#include "link_frame.h"

#include <string.h>

uint16_t sq_crc16_update(uint16_t crc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		crc ^= (uint16_t)((uint16_t)p[i] << 8);
		for (int b = 0; b < 8; b++)
			crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u)
					      : (uint16_t)(crc << 1);
	}
	return crc;
}

uint16_t sq_crc16(const uint8_t *p, size_t n)
{
	return sq_crc16_update(0xFFFFu, p, n);
}

/* Appends one body byte, escaped; returns the new position or 0 when full. */
static size_t put_escaped(uint8_t *out, size_t pos, size_t cap, uint8_t b)
{
	if (b == SQ_SLIP_END || b == SQ_SLIP_ESC) {
		if (pos + 2 > cap)
			return 0;
		out[pos++] = SQ_SLIP_ESC;
		out[pos++] = b == SQ_SLIP_END ? SQ_SLIP_ESC_END : SQ_SLIP_ESC_ESC;
	} else {
		if (pos + 1 > cap)
			return 0;
		out[pos++] = b;
	}
	return pos;
}

int sq_frame_encode(const sq_frame *f, uint8_t *out, size_t cap)
{
	uint8_t body[SQ_LINK_MAX_BODY];
	size_t n, pos = 0;

	if (f->len > SQ_LINK_MAX_PAYLOAD || cap < 2)
		return -1;
	body[0] = f->type;
	body[1] = f->seq;
	body[2] = (uint8_t)(f->len & 0xFFu);
	body[3] = (uint8_t)(f->len >> 8);
	memcpy(body + SQ_LINK_HDR, f->payload, f->len);
	n = SQ_LINK_HDR + f->len;
	uint16_t crc = sq_crc16(body, n);
	body[n++] = (uint8_t)(crc & 0xFFu);
	body[n++] = (uint8_t)(crc >> 8);

	out[pos++] = SQ_SLIP_END;
	for (size_t i = 0; i < n; i++) {
		pos = put_escaped(out, pos, cap, body[i]);
		if (pos == 0)
			return -1;
	}
	if (pos + 1 > cap)
		return -1;
	out[pos++] = SQ_SLIP_END;
	return (int)pos;
}

void sq_frame_parser_init(sq_frame_parser *p)
{
	memset(p, 0, sizeof(*p));
}

/* Judges a complete body held in p->body[0..n). */
static int finish(sq_frame_parser *p, sq_frame *out)
{
	size_t n = p->n;
	uint16_t len, crc;

	if (n < SQ_LINK_HDR + SQ_LINK_CRC)
		goto framing;
	len = (uint16_t)(p->body[2] | (p->body[3] << 8));
	if (len > SQ_LINK_MAX_PAYLOAD || n != (size_t)SQ_LINK_HDR + len + SQ_LINK_CRC)
		goto framing;
	crc = (uint16_t)(p->body[n - 2] | (p->body[n - 1] << 8));
	if (sq_crc16(p->body, n - 2) != crc) {
		p->crc_errors++;
		return SQ_FRAME_CRC;
	}
	out->type = p->body[0];
	out->seq = p->body[1];
	out->len = len;
	memcpy(out->payload, p->body + SQ_LINK_HDR, len);
	p->frames_ok++;
	return SQ_FRAME_OK;
framing:
	p->framing_errors++;
	return SQ_FRAME_FRAMING;
}

int sq_frame_parser_push(sq_frame_parser *p, uint8_t byte, sq_frame *out)
{
	int ev = SQ_FRAME_NONE;

	if (byte == SQ_SLIP_END) {
		if (p->esc)
			p->bad = true; /* ESC END: the escape was cut short */
		if (p->bad) {
			p->framing_errors++;
			ev = SQ_FRAME_FRAMING;
		} else if (p->n > 0) {
			ev = finish(p, out);
		}
		p->n = 0;
		p->esc = false;
		p->bad = false;
		return ev;
	}
	if (p->bad)
		return SQ_FRAME_NONE;
	if (p->esc) {
		p->esc = false;
		if (byte == SQ_SLIP_ESC_END)
			byte = SQ_SLIP_END;
		else if (byte == SQ_SLIP_ESC_ESC)
			byte = SQ_SLIP_ESC;
		else {
			p->bad = true;
			return SQ_FRAME_NONE;
		}
	} else if (byte == SQ_SLIP_ESC) {
		p->esc = true;
		return SQ_FRAME_NONE;
	}
	if (p->n == sizeof(p->body)) {
		p->bad = true; /* overlong */
		return SQ_FRAME_NONE;
	}
	p->body[p->n++] = byte;
	return SQ_FRAME_NONE;
}
