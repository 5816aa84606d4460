/*
 * link_proto.h - the payloads of the sparq link's frame types
 * (docs/protocol.md, "Types"): one encoder and one decoder per payload.
 *
 * Encoders write into a frame's payload and set its len. Decoders check the
 * exact length the type needs (given the shape where it varies) and return
 * SQ_LINK_E_LENGTH otherwise, so a response of the right CRC but the wrong
 * size is never taken for an answer. Everything is little-endian, decoded
 * byte by byte.
 */
#ifndef SPARQ_LINK_PROTO_H
#define SPARQ_LINK_PROTO_H

#include <stdint.h>
#include "link_frame.h"

enum sq_link_type {
	SQ_LINK_INFO = 0x01,
	SQ_LINK_INFER = 0x02,
	SQ_LINK_LOAD = 0x03,
	SQ_LINK_STATS = 0x04,
	SQ_LINK_RESET = 0x05,
	SQ_LINK_COMMIT = 0x06,
	SQ_LINK_ERROR = 0xFF,
};
#define SQ_LINK_RESP 0x80u /* response type = request type | SQ_LINK_RESP */

/* ERROR frame codes (device to host). */
enum sq_link_dev_error {
	SQ_DEV_E_TYPE = 1,    /* unknown type */
	SQ_DEV_E_LENGTH = 2,  /* bad length for the type */
	SQ_DEV_E_TARGET = 3,  /* bad LOAD target (mem, lane or address) */
	SQ_DEV_E_BUSY = 4,
};

/* Host-side error codes of the link (negative; distinct from sq_error). */
enum sq_link_error {
	SQ_LINK_E_LENGTH = -20,   /* payload size wrong for its type */
	SQ_LINK_E_VALUE = -21,    /* a field out of range */
	SQ_LINK_E_TIMEOUT = -22,  /* no good answer after every retry */
	SQ_LINK_E_GONE = -23,     /* the device went away and did not return */
	SQ_LINK_E_DEVICE = -24,   /* the device answered ERROR */
	SQ_LINK_E_NODEV = -25,    /* no such device (open failed) */
	SQ_LINK_E_IO = -26,       /* a system call failed */
	SQ_LINK_E_PROTO = -27,    /* an answer that breaks the protocol */
	SQ_LINK_E_STATUS = -28,   /* a nonzero status byte in a response */
};
const char *sq_link_strerror(int code);

#define SQ_LINK_INFO_LEN   34u
#define SQ_LINK_STATS_LEN  24u
#define SQ_LINK_LOAD_MAX   60u  /* words per LOAD frame */
#define SQ_LINK_LOAD_HDR   8u

typedef struct sq_link_info {
	uint8_t P, AW, WW, ACCW;
	uint16_t MAXW;
	uint8_t MAXL, LG_WD, LG_RD;
	uint16_t in_dim, out_dim;
	uint32_t model_id, build_id, clk_hz, baud;
} sq_link_info;

typedef struct sq_link_stats {
	uint32_t frames_ok, crc_errors, framing_errors, inferences, loads, last_cycles;
} sq_link_stats;

typedef struct sq_link_load {
	uint8_t mem;     /* 0 layer table, 1 round table, 2 weights, 3 parameters */
	uint8_t lane;
	uint16_t addr;
	uint8_t count;   /* 1..SQ_LINK_LOAD_MAX */
	uint64_t words[SQ_LINK_LOAD_MAX];
} sq_link_load;

typedef struct sq_link_commit {
	uint32_t model_id;
	uint16_t in_dim, out_dim;
} sq_link_commit;

/* Max out_dim an INFER response can carry: 6 + 4*out_dim <= 512. */
#define SQ_LINK_MAX_OUT ((SQ_LINK_MAX_PAYLOAD - 6u) / 4u)

/* Bytes of an INFER request / response payload for a shape. */
uint32_t sq_link_infer_req_len(uint32_t in_dim, uint32_t aw);
uint32_t sq_link_infer_resp_len(uint32_t out_dim);

void sq_link_info_encode(sq_frame *f, const sq_link_info *in);
int sq_link_info_decode(const sq_frame *f, sq_link_info *out);

void sq_link_stats_encode(sq_frame *f, const sq_link_stats *s);
int sq_link_stats_decode(const sq_frame *f, sq_link_stats *out);

/* INFER request: in_dim activations, i8 when aw <= 8 else i16. Values must
 * fit (|x| <= 2^(aw-1)-1): SQ_LINK_E_VALUE otherwise. */
int sq_link_infer_req_encode(sq_frame *f, const int32_t *x, uint32_t in_dim, uint32_t aw);
int sq_link_infer_req_decode(const sq_frame *f, uint32_t in_dim, uint32_t aw, int32_t *x);

/* INFER response: action, cycles, q[out_dim]. */
int sq_link_infer_resp_encode(sq_frame *f, uint16_t action, uint32_t cycles,
			      const int32_t *q, uint32_t out_dim);
int sq_link_infer_resp_decode(const sq_frame *f, uint32_t out_dim, uint16_t *action,
			      uint32_t *cycles, int32_t *q);

int sq_link_load_encode(sq_frame *f, const sq_link_load *l);
int sq_link_load_decode(const sq_frame *f, sq_link_load *out);

void sq_link_commit_encode(sq_frame *f, const sq_link_commit *c);
int sq_link_commit_decode(const sq_frame *f, sq_link_commit *out);

/* One status byte (LOAD, RESET, COMMIT responses). */
void sq_link_status_encode(sq_frame *f, uint8_t status);
int sq_link_status_decode(const sq_frame *f, uint8_t *status);

void sq_link_error_encode(sq_frame *f, uint8_t code, uint8_t req_type);
int sq_link_error_decode(const sq_frame *f, uint8_t *code, uint8_t *req_type);

/* Little-endian helpers, shared with the daemon's client protocol. */
void sq_put_u16(uint8_t *p, uint16_t v);
void sq_put_u32(uint8_t *p, uint32_t v);
void sq_put_u64(uint8_t *p, uint64_t v);
uint16_t sq_get_u16(const uint8_t *p);
uint32_t sq_get_u32(const uint8_t *p);
uint64_t sq_get_u64(const uint8_t *p);

#endif
