/*
 * sparqd_msg.h - the client protocol of sparqd (docs/protocol.md, "sparqd
 * client socket"): what a local client and the daemon exchange over the
 * daemon's UNIX stream socket.
 *
 * Each message is a 4-byte header and a payload of at most 512 bytes:
 *
 *     u8 type, u8 status, u16 len (little-endian), u8 payload[len]
 *
 * A client sends a request (status 0) whose type is a link request type
 * (INFO..COMMIT) or a daemon type (SQ_SPARQD_STATUS); the daemon answers
 * each request, in order, with one message of type request|0x80. The
 * socket is reliable, so there is no CRC or sequence number here: the daemon
 * owns the device's sequence numbers, timeouts and retransmissions.
 */
#ifndef SPARQ_SPARQD_MSG_H
#define SPARQ_SPARQD_MSG_H

#include <stdint.h>

#include "link_frame.h"

#define SQ_SPARQD_HDR      4u
#define SQ_SPARQD_MAX_MSG  (SQ_SPARQD_HDR + SQ_LINK_MAX_PAYLOAD)

/* Daemon-local request: the daemon's own state (answered without the device). */
#define SQ_SPARQD_STATUS   0x40u
#define SQ_SPARQD_STATUS_LEN (4u + 7u * 4u + 34u)

/* Status byte of a response. Adding one means adding its string in
 * sq_sparqd_strstatus and a row in docs/protocol.md. */
enum sq_sparqd_status {
	SQ_SPARQD_OK = 0,
	SQ_SPARQD_BAD_REQUEST = 1, /* unknown type, nonzero status, len over 512 */
	SQ_SPARQD_NO_DEVICE = 2,   /* the device is away; the daemon is reconnecting */
	SQ_SPARQD_TIMEOUT = 3,     /* no good answer after every retransmission */
	SQ_SPARQD_PROTO = 4,       /* the device's answer broke the protocol */
	SQ_SPARQD_DEV_ERROR = 5,   /* the device answered ERROR; payload: u8 code, u8 type */
};
const char *sq_sparqd_strstatus(unsigned status);

/* The answer to SQ_SPARQD_STATUS (payload, 4 + 28 + 34 bytes):
 * u8 device_up, u8 0, u16 clients, u32 requests, u32 device_requests,
 * u32 losses, u32 reconnects, u32 retransmits, u32 timeouts, u32 crc_errors,
 * then the device's INFO payload (34 bytes; zeros while it is away). */
typedef struct sq_sparqd_state {
	uint8_t device_up;
	uint16_t clients;
	uint32_t requests, device_requests, losses, reconnects, retransmits, timeouts,
		crc_errors;
	uint8_t info[34];
} sq_sparqd_state;

void sq_sparqd_state_encode(uint8_t *p, const sq_sparqd_state *s);
void sq_sparqd_state_decode(const uint8_t *p, sq_sparqd_state *s);

/* Writes the header of a message into p[0..4). */
void sq_sparqd_hdr(uint8_t *p, uint8_t type, uint8_t status, uint16_t len);

#endif
