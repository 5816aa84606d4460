/*
 * device.h - one sparq device behind a transport, as request/response calls
 * (docs/protocol.md): sequence numbers, timeouts, retransmission, and
 * reconnection with backoff when the device goes away.
 *
 * A request is sent with the next seq; the answer must carry that seq and
 * the request's type | 0x80, pass the CRC and have the exact length of its
 * type, or it is not an answer: stale answers (an old seq) are dropped and
 * counted, and a bad frame or silence for timeout_ms sends the same request
 * again (same seq; every request type is idempotent), up to `retries` times.
 * An ERROR busy with the request's seq means a retransmitted copy reached the
 * device while it still served the original: the wait goes on.
 * When the transport reports the device gone, the device is reopened with
 * backoff (20 ms doubling to 500 ms) for at most reconnect_ms, its INFO is
 * read again, and the request is sent again.
 *
 * The spec `sparqd:/path.sock` reaches the device through the daemon
 * instead (sparqd_msg.h): the daemon then does the retries, and this side
 * only maps its status bytes to the same error codes.
 *
 * Not thread-safe: one caller at a time per sq_device.
 */
#ifndef SPARQ_DEVICE_H
#define SPARQ_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "link_frame.h"
#include "link_proto.h"
#include "sqm.h"
#include "transport.h"

typedef struct sq_device_opts {
	int timeout_ms;    /* wait for one answer; default 250 */
	int retries;       /* retransmissions per request; default 8 */
	int reconnect_ms;  /* total time to wait for a lost device; default 3000; 0 = fail at once */
} sq_device_opts;

void sq_device_opts_default(sq_device_opts *o);

typedef struct sq_device_counters {
	uint64_t requests;      /* calls of sq_device_request */
	uint64_t retransmits;   /* requests sent again */
	uint64_t timeouts;      /* waits that ended in silence */
	uint64_t crc_errors;    /* answers dropped for their CRC */
	uint64_t framing_errors;/* answers dropped for their framing */
	uint64_t stale;         /* good frames that were not the awaited answer */
	uint64_t busy;          /* ERROR busy answers (a copy met its original) */
	uint64_t losses;        /* times the device went away */
	uint64_t reconnects;    /* successful reopenings */
} sq_device_counters;

typedef struct sq_device sq_device;

/* Opens the device and reads its INFO. Errors: SQ_LINK_E_NODEV (nothing at
 * spec), SQ_LINK_E_TIMEOUT (no answer), others of sq_link_error. */
int sq_device_open(const char *spec, const sq_device_opts *o, sq_device **out, sq_err *err);
void sq_device_close(sq_device *d); /* NULL is fine */
/* Allocates a device for spec without opening it (sparqd starts so, and
 * calls sq_device_reopen until the device is there). */
int sq_device_create(const char *spec, const sq_device_opts *o, sq_device **out, sq_err *err);

/* One request. On success resp holds the answer (type | 0x80, seq checked).
 * SQ_LINK_E_DEVICE when the device answered ERROR (err says the code). */
int sq_device_request(sq_device *d, uint8_t type, const uint8_t *payload, uint16_t len,
		      sq_frame *resp, sq_err *err);

/* Typed requests. infer takes in_dim activations of INFO's shape and
 * writes out_dim Q-values (q may be NULL). */
int sq_device_info(sq_device *d, sq_link_info *info, sq_err *err);
int sq_device_infer(sq_device *d, const int32_t *x, uint16_t *action, uint32_t *cycles,
		    int32_t *q, sq_err *err);
int sq_device_load(sq_device *d, const sq_link_load *l, sq_err *err);
int sq_device_commit(sq_device *d, const sq_link_commit *c, sq_err *err);
int sq_device_stats(sq_device *d, sq_link_stats *s, sq_err *err);
int sq_device_reset(sq_device *d, sq_err *err);

/* Replaces the device's model at run time (device_load.c): exports m for
 * the configuration of INFO (same in/out shape required), sends it as LOAD
 * frames, then COMMIT with model_id (sq_device_file_model_id); *frames
 * counts the frames sent. */
struct sq_model;
struct sq_hwcfg;
int sq_device_load_model(sq_device *d, const struct sq_model *m, uint32_t model_id,
			 uint64_t *frames, sq_err *err);
/* The id of a model file (docs/protocol.md, COMMIT): the .sqm header's
 * crc32 field (offset 12), which identifies the file's whole contents. */
int sq_device_file_model_id(const char *path, uint32_t *id, sq_err *err);
/* The configuration a device reports, as export.h's sq_hwcfg. */
void sq_hwcfg_from_info(const sq_link_info *in, struct sq_hwcfg *c);

/* The INFO read at open (or at the last reconnect or COMMIT). */
const sq_link_info *sq_device_get_info(const sq_device *d);
const sq_device_counters *sq_device_get_counters(const sq_device *d);
/* True while the transport is open (direct devices). */
bool sq_device_is_up(const sq_device *d);
/* One attempt to reopen a lost device and read its INFO (used by sparqd,
 * which must not block on backoff). 0 when it is back. */
int sq_device_reopen(sq_device *d, sq_err *err);
/* The spec the device was opened with. */
const char *sq_device_spec(const sq_device *d);

#endif
