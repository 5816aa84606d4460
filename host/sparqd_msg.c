/*
 * sparqd_msg.c - encoders of sparqd's client protocol (sparqd_msg.h).
 */
#include "sparqd_msg.h"

#include <string.h>

#include "link_proto.h"

const char *sq_sparqd_strstatus(unsigned status)
{
	switch (status) {
	case SQ_SPARQD_OK: return "ok";
	case SQ_SPARQD_BAD_REQUEST: return "bad request";
	case SQ_SPARQD_NO_DEVICE: return "device away (sparqd is reconnecting)";
	case SQ_SPARQD_TIMEOUT: return "device did not answer";
	case SQ_SPARQD_PROTO: return "device broke the protocol";
	case SQ_SPARQD_DEV_ERROR: return "device answered ERROR";
	default: return "unknown status";
	}
}

void sq_sparqd_hdr(uint8_t *p, uint8_t type, uint8_t status, uint16_t len)
{
	p[0] = type;
	p[1] = status;
	sq_put_u16(p + 2, len);
}

void sq_sparqd_state_encode(uint8_t *p, const sq_sparqd_state *s)
{
	p[0] = s->device_up;
	p[1] = 0;
	sq_put_u16(p + 2, s->clients);
	sq_put_u32(p + 4, s->requests);
	sq_put_u32(p + 8, s->device_requests);
	sq_put_u32(p + 12, s->losses);
	sq_put_u32(p + 16, s->reconnects);
	sq_put_u32(p + 20, s->retransmits);
	sq_put_u32(p + 24, s->timeouts);
	sq_put_u32(p + 28, s->crc_errors);
	memcpy(p + 32, s->info, sizeof(s->info));
}

void sq_sparqd_state_decode(const uint8_t *p, sq_sparqd_state *s)
{
	s->device_up = p[0];
	s->clients = sq_get_u16(p + 2);
	s->requests = sq_get_u32(p + 4);
	s->device_requests = sq_get_u32(p + 8);
	s->losses = sq_get_u32(p + 12);
	s->reconnects = sq_get_u32(p + 16);
	s->retransmits = sq_get_u32(p + 20);
	s->timeouts = sq_get_u32(p + 24);
	s->crc_errors = sq_get_u32(p + 28);
	memcpy(s->info, p + 32, sizeof(s->info));
}
