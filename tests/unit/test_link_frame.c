/*
 * test_link_frame.c - the link's frame layer (host/link_frame.c) against
 * plain references: the CRC-16/CCITT-FALSE check value and a table-driven
 * CRC written here, a whole-buffer SLIP decoder written here, and random
 * frames buried in random garbage that the parser must find again.
 */
#include <string.h>

#include "link_frame.h"
#include "rng.h"
#include "testlib.h"

/* Table-driven CRC-16/CCITT-FALSE, an independent implementation. */
static uint16_t ref_crc16(const uint8_t *p, size_t n)
{
	static uint16_t tab[256];
	static int ready;
	if (!ready) {
		for (unsigned i = 0; i < 256; i++) {
			uint16_t c = (uint16_t)(i << 8);
			for (int b = 0; b < 8; b++)
				c = (uint16_t)((c & 0x8000) ? (c << 1) ^ 0x1021 : c << 1);
			tab[i] = c;
		}
		ready = 1;
	}
	uint16_t crc = 0xFFFF;
	for (size_t i = 0; i < n; i++)
		crc = (uint16_t)((crc << 8) ^ tab[((crc >> 8) ^ p[i]) & 0xFF]);
	return crc;
}

/* Whole-buffer SLIP decode of one END..END frame; -1 on bad escapes. */
static int ref_unslip(const uint8_t *w, size_t n, uint8_t *body)
{
	size_t o = 0;
	if (n < 2 || w[0] != 0xC0 || w[n - 1] != 0xC0)
		return -1;
	for (size_t i = 1; i + 1 < n; i++) {
		if (w[i] == 0xC0)
			return -1;
		if (w[i] == 0xDB) {
			i++;
			if (w[i] == 0xDC) body[o++] = 0xC0;
			else if (w[i] == 0xDD) body[o++] = 0xDB;
			else return -1;
		} else {
			body[o++] = w[i];
		}
	}
	return (int)o;
}

static void random_frame(sq_rng *r, sq_frame *f, int special)
{
	f->type = (uint8_t)sq_rng_u64(r);
	f->seq = (uint8_t)sq_rng_u64(r);
	f->len = (uint16_t)sq_rng_below(r, SQ_LINK_MAX_PAYLOAD + 1);
	for (unsigned i = 0; i < f->len; i++) {
		uint8_t b = (uint8_t)sq_rng_u64(r);
		if (special && (b & 3) == 0)
			b = (b & 4) ? 0xC0 : 0xDB; /* plenty of bytes to escape */
		f->payload[i] = b;
	}
}

static int t_crc16_check_value(void)
{
	const uint8_t s[] = "123456789";
	CHECK(sq_crc16(s, 9) == 0x29B1);
	CHECK(ref_crc16(s, 9) == 0x29B1);
	CHECK(sq_crc16(NULL, 0) == 0xFFFF);
	CHECK(sq_crc16_update(sq_crc16(s, 4), s + 4, 5) == 0x29B1);
	sq_rng r;
	sq_rng_seed(&r, 1);
	uint8_t buf[600];
	for (int t = 0; t < 200; t++) {
		size_t n = sq_rng_below(&r, sizeof(buf));
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)sq_rng_u64(&r);
		CHECK(sq_crc16(buf, n) == ref_crc16(buf, n));
	}
	return 0;
}

static int t_encode_matches_reference(void)
{
	sq_rng r;
	sq_rng_seed(&r, 2);
	static sq_frame f;
	static uint8_t wire[SQ_LINK_MAX_WIRE], body[SQ_LINK_MAX_BODY + 8];
	for (int t = 0; t < 300; t++) {
		random_frame(&r, &f, t & 1);
		int n = sq_frame_encode(&f, wire, sizeof(wire));
		CHECK(n > 0);
		int bn = ref_unslip(wire, (size_t)n, body);
		CHECKF(bn == 6 + f.len, "body %d for len %u", bn, f.len);
		CHECK(body[0] == f.type && body[1] == f.seq);
		CHECK((body[2] | body[3] << 8) == f.len);
		CHECK(memcmp(body + 4, f.payload, f.len) == 0);
		uint16_t crc = (uint16_t)(body[bn - 2] | body[bn - 1] << 8);
		CHECK(crc == ref_crc16(body, (size_t)bn - 2));
	}
	/* a known frame, byte for byte: INFO request, seq 0xC0 (escaped) */
	f.type = 0x01; f.seq = 0xC0; f.len = 0;
	uint8_t b4[4] = {0x01, 0xC0, 0, 0};
	uint16_t c = ref_crc16(b4, 4);
	int n = sq_frame_encode(&f, wire, sizeof(wire));
	const uint8_t want[] = {0xC0, 0x01, 0xDB, 0xDC, 0x00, 0x00,
				(uint8_t)(c & 0xFF), (uint8_t)(c >> 8), 0xC0};
	CHECK(n == (int)sizeof(want) + ((c & 0xFF) == 0xC0 || (c & 0xFF) == 0xDB ||
				     (c >> 8) == 0xC0 || (c >> 8) == 0xDB));
	if (n == (int)sizeof(want))
		CHECK(memcmp(wire, want, sizeof(want)) == 0);
	/* too small an output buffer, and an overlong payload */
	CHECK(sq_frame_encode(&f, wire, 5) == -1);
	f.len = SQ_LINK_MAX_PAYLOAD + 1;
	CHECK(sq_frame_encode(&f, wire, sizeof(wire)) == -1);
	return 0;
}

static int feed(sq_frame_parser *p, const uint8_t *b, size_t n, sq_frame *out, int *events)
{
	int got = 0;
	for (size_t i = 0; i < n; i++) {
		int ev = sq_frame_parser_push(p, b[i], out);
		if (ev == SQ_FRAME_OK)
			got++;
		if (events)
			events[ev]++;
	}
	return got;
}

static int t_roundtrip(void)
{
	sq_rng r;
	sq_rng_seed(&r, 3);
	static sq_frame f, g;
	static uint8_t wire[SQ_LINK_MAX_WIRE];
	sq_frame_parser p;
	sq_frame_parser_init(&p);
	for (int t = 0; t < 500; t++) {
		random_frame(&r, &f, t & 1);
		int n = sq_frame_encode(&f, wire, sizeof(wire));
		CHECK(n > 0);
		CHECK(feed(&p, wire, (size_t)n, &g, NULL) == 1);
		CHECK(g.type == f.type && g.seq == f.seq && g.len == f.len);
		CHECK(memcmp(g.payload, f.payload, f.len) == 0);
	}
	CHECK(p.frames_ok == 500 && p.crc_errors == 0 && p.framing_errors == 0);
	return 0;
}

/* Frames separated by random garbage (which may contain ENDs): every frame
 * whose own bytes are intact and that follows an END is found; garbage never
 * yields a frame that was not sent. */
static int t_resync_garbage(void)
{
	sq_rng r;
	sq_rng_seed(&r, 4);
	static sq_frame f[64], g;
	static uint8_t wire[SQ_LINK_MAX_WIRE];
	sq_frame_parser p;
	sq_frame_parser_init(&p);
	int found = 0;
	for (int t = 0; t < 64; t++) {
		uint8_t junk[100];
		size_t nj = sq_rng_below(&r, sizeof(junk));
		for (size_t i = 0; i < nj; i++)
			junk[i] = (uint8_t)sq_rng_u64(&r);
		feed(&p, junk, nj, &g, NULL); /* a garbage "frame" is astronomically unlikely */
		random_frame(&r, &f[t], 1);
		f[t].seq = (uint8_t)t;
		int n = sq_frame_encode(&f[t], wire, sizeof(wire));
		int got = feed(&p, wire, (size_t)n, &g, NULL);
		CHECKF(got == 1, "frame %d not found after %zu garbage bytes", t, nj);
		CHECK(g.seq == t && g.len == f[t].len);
		CHECK(memcmp(g.payload, f[t].payload, g.len) == 0);
		found++;
	}
	CHECK(found == 64);
	return 0;
}

/* Every single-bit flip and every single dropped byte of a frame is caught:
 * the parser never returns a frame that differs from the one sent. */
static int t_corruption_never_accepted(void)
{
	sq_rng r;
	sq_rng_seed(&r, 5);
	static sq_frame f, g;
	static uint8_t wire[SQ_LINK_MAX_WIRE], bad[SQ_LINK_MAX_WIRE];
	long accepted_wrong = 0, dropped = 0;
	for (int t = 0; t < 40; t++) {
		random_frame(&r, &f, t & 1);
		f.len = (uint16_t)(f.len % 40);
		int n = sq_frame_encode(&f, wire, sizeof(wire));
		for (int i = 0; i < n; i++) {
			for (int b = 0; b < 8; b++) {
				sq_frame_parser p;
				sq_frame_parser_init(&p);
				memcpy(bad, wire, (size_t)n);
				bad[i] ^= (uint8_t)(1u << b);
				int events[4] = {0};
				int got = feed(&p, bad, (size_t)n, &g, events);
				/* a flip may split the frame in two (a new END): still
				 * no frame may come out that differs from f */
				if (got && (g.type != f.type || g.seq != f.seq || g.len != f.len ||
					    memcmp(g.payload, f.payload, f.len)))
					accepted_wrong++;
				if (!got)
					dropped++;
			}
			/* drop byte i */
			sq_frame_parser p;
			sq_frame_parser_init(&p);
			memcpy(bad, wire, (size_t)i);
			memcpy(bad + i, wire + i + 1, (size_t)(n - i - 1));
			int got = feed(&p, bad, (size_t)n - 1, &g, NULL);
			if (got && (g.len != f.len || memcmp(g.payload, f.payload, f.len)))
				accepted_wrong++;
		}
	}
	CHECKF(accepted_wrong == 0, "%ld corrupted frames accepted", accepted_wrong);
	CHECK(dropped > 0);
	return 0;
}

static int t_counters_and_edges(void)
{
	sq_frame_parser p;
	sq_frame g;
	int ev[4] = {0};
	sq_frame_parser_init(&p);
	/* empty bodies are ignored */
	const uint8_t e[] = {0xC0, 0xC0, 0xC0};
	feed(&p, e, sizeof(e), &g, ev);
	CHECK(ev[1] + ev[2] + ev[3] == 0);
	/* short body */
	const uint8_t s[] = {0xC0, 1, 2, 3, 0xC0};
	feed(&p, s, sizeof(s), &g, ev);
	CHECK(p.framing_errors == 1 && ev[SQ_FRAME_FRAMING] == 1);
	/* bad escape */
	const uint8_t be[] = {0xC0, 1, 0, 0, 0, 0xDB, 0x11, 0, 0, 0xC0};
	feed(&p, be, sizeof(be), &g, ev);
	CHECK(p.framing_errors == 2);
	/* ESC then END */
	const uint8_t ee[] = {1, 0, 0, 0, 0, 0, 0xDB, 0xC0};
	feed(&p, ee, sizeof(ee), &g, ev);
	CHECK(p.framing_errors == 3);
	/* len field disagrees with the body */
	sq_frame f = {.type = 2, .seq = 9, .len = 3};
	uint8_t w[64];
	int n = sq_frame_encode(&f, w, sizeof(w));
	uint8_t w2[64];
	memcpy(w2, w, (size_t)n);
	w2[3] = 4; /* len 4 (no byte here needs escaping: type 2, seq 9, len 3) */
	feed(&p, w2, (size_t)n, &g, ev);
	CHECK(p.framing_errors == 4);
	/* CRC error: flip a payload bit */
	memcpy(w2, w, (size_t)n);
	w2[5] ^= 0x01;
	feed(&p, w2, (size_t)n, &g, ev);
	CHECK(p.crc_errors == 1);
	/* overlong: 2000 plain bytes, then a good frame still parses */
	for (int i = 0; i < 2000; i++)
		sq_frame_parser_push(&p, 0x55, &g);
	CHECK(sq_frame_parser_push(&p, 0xC0, &g) == SQ_FRAME_FRAMING);
	CHECK(feed(&p, w, (size_t)n, &g, ev) == 1);
	CHECK(g.type == 2 && g.seq == 9 && g.len == 3);
	/* len > 512 */
	uint8_t big[SQ_LINK_MAX_BODY + 2] = {0};
	big[2] = 0x01; big[3] = 0x02; /* 513 */
	sq_frame_parser_push(&p, 0xC0, &g);
	for (size_t i = 0; i < 6 + 513 && i < sizeof(big); i++)
		sq_frame_parser_push(&p, big[i], &g);
	CHECK(sq_frame_parser_push(&p, 0xC0, &g) == SQ_FRAME_FRAMING);
	CHECK(p.frames_ok == 1 && p.crc_errors == 1);
	return 0;
}

int main(void)
{
	RUN(t_crc16_check_value);
	RUN(t_encode_matches_reference);
	RUN(t_roundtrip);
	RUN(t_resync_garbage);
	RUN(t_corruption_never_accepted);
	RUN(t_counters_and_edges);
	return tl_done();
}
