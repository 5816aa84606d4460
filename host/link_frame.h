/*
 * link_frame.h - the frame layer of the sparq link (docs/protocol.md,
 * "Framing"): SLIP byte stuffing, the 4-byte header, the CRC-16 trailer, and
 * an incremental parser that finds the next frame from any state.
 *
 * The parser takes one byte at a time and never allocates; its buffer holds
 * one maximal body. It reports each END-delimited body as one event: a good
 * frame, a CRC error or a framing error (bad escape, overlong, short, or a
 * length field that disagrees with the body), counted the way the device's
 * STATS counts them, so host and device statistics can be compared.
 */
#ifndef SPARQ_LINK_FRAME_H
#define SPARQ_LINK_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SQ_SLIP_END      0xC0u
#define SQ_SLIP_ESC      0xDBu
#define SQ_SLIP_ESC_END  0xDCu
#define SQ_SLIP_ESC_ESC  0xDDu

#define SQ_LINK_MAX_PAYLOAD 512u
#define SQ_LINK_HDR         4u  /* type, seq, len (u16) */
#define SQ_LINK_CRC         2u
#define SQ_LINK_MAX_BODY    (SQ_LINK_HDR + SQ_LINK_MAX_PAYLOAD + SQ_LINK_CRC)
/* Worst case on the wire: every body byte escaped, plus the two ENDs. */
#define SQ_LINK_MAX_WIRE    (2u + 2u * SQ_LINK_MAX_BODY)

/* CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, xorout 0.
 * sq_crc16("123456789", 9) = 0x29B1. */
uint16_t sq_crc16(const uint8_t *p, size_t n);
/* Continue a CRC: sq_crc16_update(sq_crc16(a), b) = sq_crc16(a ++ b). */
uint16_t sq_crc16_update(uint16_t crc, const uint8_t *p, size_t n);

/* One frame, unescaped. */
typedef struct sq_frame {
	uint8_t type;
	uint8_t seq;
	uint16_t len;                        /* 0..SQ_LINK_MAX_PAYLOAD */
	uint8_t payload[SQ_LINK_MAX_PAYLOAD];
} sq_frame;

/* Encodes f as END body END into out[0..cap). Returns the byte count, or -1
 * when f->len exceeds the limit or cap is too small (SQ_LINK_MAX_WIRE always
 * suffices). */
int sq_frame_encode(const sq_frame *f, uint8_t *out, size_t cap);

/* Events of the parser. */
enum sq_frame_event {
	SQ_FRAME_NONE = 0,     /* byte absorbed, no body ended */
	SQ_FRAME_OK = 1,       /* a good frame is in *out */
	SQ_FRAME_CRC = 2,      /* a well-formed body with a bad CRC was dropped */
	SQ_FRAME_FRAMING = 3,  /* a malformed body was dropped */
};

typedef struct sq_frame_parser {
	uint8_t body[SQ_LINK_MAX_BODY];
	size_t n;          /* body bytes held */
	bool esc;          /* the previous byte was ESC */
	bool bad;          /* this body is already broken: drop it at END */
	/* counters, as the device's STATS */
	uint32_t frames_ok;
	uint32_t crc_errors;
	uint32_t framing_errors;
} sq_frame_parser;

void sq_frame_parser_init(sq_frame_parser *p);

/* Feeds one byte. On SQ_FRAME_OK the frame is written to *out; on the other
 * events *out is left unspecified. The parser is ready for the next byte in
 * every case. */
int sq_frame_parser_push(sq_frame_parser *p, uint8_t byte, sq_frame *out);

#endif
