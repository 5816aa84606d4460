/*
 * link_proto.c - payload encoders and decoders of the sparq link
 * (link_proto.h, docs/protocol.md "Types").
 */
#include "link_proto.h"

#include <string.h>

void sq_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void sq_put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void sq_put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint16_t sq_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t sq_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

uint64_t sq_get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

const char *sq_link_strerror(int code)
{
	switch (code) {
	case SQ_LINK_E_LENGTH: return "payload length wrong for its type";
	case SQ_LINK_E_VALUE: return "field out of range";
	case SQ_LINK_E_TIMEOUT: return "no answer from the device";
	case SQ_LINK_E_GONE: return "device gone";
	case SQ_LINK_E_DEVICE: return "device answered ERROR";
	case SQ_LINK_E_NODEV: return "no such device";
	case SQ_LINK_E_IO: return "I/O error";
	case SQ_LINK_E_PROTO: return "protocol violation";
	case SQ_LINK_E_STATUS: return "device reported a nonzero status";
	default: return "unknown link error";
	}
}

uint32_t sq_link_infer_req_len(uint32_t in_dim, uint32_t aw)
{
	return in_dim * (aw <= 8 ? 1u : 2u);
}

uint32_t sq_link_infer_resp_len(uint32_t out_dim)
{
	return 6u + 4u * out_dim;
}

void sq_link_info_encode(sq_frame *f, const sq_link_info *in)
{
	uint8_t *p = f->payload;
	memcpy(p, "SPQ1", 4);
	p[4] = in->P;
	p[5] = in->AW;
	p[6] = in->WW;
	p[7] = in->ACCW;
	sq_put_u16(p + 8, in->MAXW);
	p[10] = in->MAXL;
	p[11] = in->LG_WD;
	p[12] = in->LG_RD;
	p[13] = 0;
	sq_put_u16(p + 14, in->in_dim);
	sq_put_u16(p + 16, in->out_dim);
	sq_put_u32(p + 18, in->model_id);
	sq_put_u32(p + 22, in->build_id);
	sq_put_u32(p + 26, in->clk_hz);
	sq_put_u32(p + 30, in->baud);
	f->len = SQ_LINK_INFO_LEN;
}

int sq_link_info_decode(const sq_frame *f, sq_link_info *out)
{
	const uint8_t *p = f->payload;
	if (f->len != SQ_LINK_INFO_LEN)
		return SQ_LINK_E_LENGTH;
	if (memcmp(p, "SPQ1", 4) != 0)
		return SQ_LINK_E_PROTO;
	out->P = p[4];
	out->AW = p[5];
	out->WW = p[6];
	out->ACCW = p[7];
	out->MAXW = sq_get_u16(p + 8);
	out->MAXL = p[10];
	out->LG_WD = p[11];
	out->LG_RD = p[12];
	out->in_dim = sq_get_u16(p + 14);
	out->out_dim = sq_get_u16(p + 16);
	out->model_id = sq_get_u32(p + 18);
	out->build_id = sq_get_u32(p + 22);
	out->clk_hz = sq_get_u32(p + 26);
	out->baud = sq_get_u32(p + 30);
	return 0;
}

void sq_link_stats_encode(sq_frame *f, const sq_link_stats *s)
{
	uint8_t *p = f->payload;
	sq_put_u32(p + 0, s->frames_ok);
	sq_put_u32(p + 4, s->crc_errors);
	sq_put_u32(p + 8, s->framing_errors);
	sq_put_u32(p + 12, s->inferences);
	sq_put_u32(p + 16, s->loads);
	sq_put_u32(p + 20, s->last_cycles);
	f->len = SQ_LINK_STATS_LEN;
}

int sq_link_stats_decode(const sq_frame *f, sq_link_stats *out)
{
	const uint8_t *p = f->payload;
	if (f->len != SQ_LINK_STATS_LEN)
		return SQ_LINK_E_LENGTH;
	out->frames_ok = sq_get_u32(p + 0);
	out->crc_errors = sq_get_u32(p + 4);
	out->framing_errors = sq_get_u32(p + 8);
	out->inferences = sq_get_u32(p + 12);
	out->loads = sq_get_u32(p + 16);
	out->last_cycles = sq_get_u32(p + 20);
	return 0;
}

int sq_link_infer_req_encode(sq_frame *f, const int32_t *x, uint32_t in_dim, uint32_t aw)
{
	uint32_t len = sq_link_infer_req_len(in_dim, aw);
	if (aw < 2 || aw > 16 || len > SQ_LINK_MAX_PAYLOAD)
		return SQ_LINK_E_VALUE;
	int32_t amax = (int32_t)((1u << (aw - 1)) - 1u);
	for (uint32_t i = 0; i < in_dim; i++) {
		if (x[i] > amax || x[i] < -amax)
			return SQ_LINK_E_VALUE;
		if (aw <= 8)
			f->payload[i] = (uint8_t)(int8_t)x[i];
		else
			sq_put_u16(f->payload + 2 * i, (uint16_t)(int16_t)x[i]);
	}
	f->len = (uint16_t)len;
	return 0;
}

int sq_link_infer_req_decode(const sq_frame *f, uint32_t in_dim, uint32_t aw, int32_t *x)
{
	if (f->len != sq_link_infer_req_len(in_dim, aw))
		return SQ_LINK_E_LENGTH;
	for (uint32_t i = 0; i < in_dim; i++)
		x[i] = aw <= 8 ? (int8_t)f->payload[i]
			       : (int16_t)sq_get_u16(f->payload + 2 * i);
	return 0;
}

int sq_link_infer_resp_encode(sq_frame *f, uint16_t action, uint32_t cycles,
			      const int32_t *q, uint32_t out_dim)
{
	if (out_dim > SQ_LINK_MAX_OUT)
		return SQ_LINK_E_VALUE;
	sq_put_u16(f->payload, action);
	sq_put_u32(f->payload + 2, cycles);
	for (uint32_t i = 0; i < out_dim; i++)
		sq_put_u32(f->payload + 6 + 4 * i, (uint32_t)q[i]);
	f->len = (uint16_t)sq_link_infer_resp_len(out_dim);
	return 0;
}

int sq_link_infer_resp_decode(const sq_frame *f, uint32_t out_dim, uint16_t *action,
			      uint32_t *cycles, int32_t *q)
{
	if (out_dim > SQ_LINK_MAX_OUT || f->len != sq_link_infer_resp_len(out_dim))
		return SQ_LINK_E_LENGTH;
	*action = sq_get_u16(f->payload);
	*cycles = sq_get_u32(f->payload + 2);
	for (uint32_t i = 0; i < out_dim; i++)
		q[i] = (int32_t)sq_get_u32(f->payload + 6 + 4 * i);
	if (*action >= out_dim)
		return SQ_LINK_E_VALUE;
	return 0;
}

int sq_link_load_encode(sq_frame *f, const sq_link_load *l)
{
	if (l->count < 1 || l->count > SQ_LINK_LOAD_MAX || l->mem > 3)
		return SQ_LINK_E_VALUE;
	uint8_t *p = f->payload;
	p[0] = l->mem;
	p[1] = l->lane;
	sq_put_u16(p + 2, l->addr);
	p[4] = l->count;
	p[5] = p[6] = p[7] = 0;
	for (unsigned i = 0; i < l->count; i++)
		sq_put_u64(p + SQ_LINK_LOAD_HDR + 8 * i, l->words[i]);
	f->len = (uint16_t)(SQ_LINK_LOAD_HDR + 8u * l->count);
	return 0;
}

int sq_link_load_decode(const sq_frame *f, sq_link_load *out)
{
	const uint8_t *p = f->payload;
	if (f->len < SQ_LINK_LOAD_HDR + 8)
		return SQ_LINK_E_LENGTH;
	out->count = p[4];
	if (out->count < 1 || out->count > SQ_LINK_LOAD_MAX ||
	    f->len != SQ_LINK_LOAD_HDR + 8u * out->count)
		return SQ_LINK_E_LENGTH;
	out->mem = p[0];
	out->lane = p[1];
	out->addr = sq_get_u16(p + 2);
	for (unsigned i = 0; i < out->count; i++)
		out->words[i] = sq_get_u64(p + SQ_LINK_LOAD_HDR + 8 * i);
	return 0;
}

void sq_link_commit_encode(sq_frame *f, const sq_link_commit *c)
{
	sq_put_u32(f->payload, c->model_id);
	sq_put_u16(f->payload + 4, c->in_dim);
	sq_put_u16(f->payload + 6, c->out_dim);
	f->len = 8;
}

int sq_link_commit_decode(const sq_frame *f, sq_link_commit *out)
{
	if (f->len != 8)
		return SQ_LINK_E_LENGTH;
	out->model_id = sq_get_u32(f->payload);
	out->in_dim = sq_get_u16(f->payload + 4);
	out->out_dim = sq_get_u16(f->payload + 6);
	return 0;
}

void sq_link_status_encode(sq_frame *f, uint8_t status)
{
	f->payload[0] = status;
	f->len = 1;
}

int sq_link_status_decode(const sq_frame *f, uint8_t *status)
{
	if (f->len != 1)
		return SQ_LINK_E_LENGTH;
	*status = f->payload[0];
	return 0;
}

void sq_link_error_encode(sq_frame *f, uint8_t code, uint8_t req_type)
{
	f->type = SQ_LINK_ERROR;
	f->payload[0] = code;
	f->payload[1] = req_type;
	f->len = 2;
}

int sq_link_error_decode(const sq_frame *f, uint8_t *code, uint8_t *req_type)
{
	if (f->len != 2)
		return SQ_LINK_E_LENGTH;
	*code = f->payload[0];
	*req_type = f->payload[1];
	return 0;
}
