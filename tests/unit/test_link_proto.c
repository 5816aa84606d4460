/*
 * test_link_proto.c - payload codecs of the link (host/link_proto.c): round
 * trips, byte layouts written out by hand from docs/protocol.md, and the
 * exact-length checks that keep a short or long answer from being accepted.
 */
#include <string.h>

#include "link_proto.h"
#include "rng.h"
#include "sparqd_msg.h"
#include "testlib.h"

static int t_info_layout(void)
{
	sq_frame f;
	sq_link_info a = {.P = 8, .AW = 8, .WW = 8, .ACCW = 32, .MAXW = 256, .MAXL = 8,
			  .LG_WD = 12, .LG_RD = 9, .in_dim = 4, .out_dim = 2,
			  .model_id = 0x11223344, .build_id = 0xA5A5A5A5,
			  .clk_hz = 12000000, .baud = 1000000}, b;
	sq_link_info_encode(&f, &a);
	const uint8_t want[34] = {'S', 'P', 'Q', '1', 8, 8, 8, 32, 0x00, 0x01, 8, 12, 9, 0,
				  4, 0, 2, 0, 0x44, 0x33, 0x22, 0x11, 0xA5, 0xA5, 0xA5, 0xA5,
				  0x00, 0x1B, 0xB7, 0x00, 0x40, 0x42, 0x0F, 0x00};
	CHECK(f.len == 34);
	CHECK(memcmp(f.payload, want, 34) == 0);
	CHECK(sq_link_info_decode(&f, &b) == 0);
	CHECK(b.P == 8 && b.AW == 8 && b.WW == 8 && b.ACCW == 32 && b.MAXW == 256);
	CHECK(b.MAXL == 8 && b.LG_WD == 12 && b.LG_RD == 9 && b.in_dim == 4 && b.out_dim == 2);
	CHECK(b.model_id == a.model_id && b.build_id == a.build_id && b.clk_hz == a.clk_hz && b.baud == a.baud);
	f.len = 33;
	CHECK(sq_link_info_decode(&f, &b) == SQ_LINK_E_LENGTH);
	f.len = 34;
	f.payload[3] = '2';
	CHECK(sq_link_info_decode(&f, &b) == SQ_LINK_E_PROTO);
	return 0;
}

static int t_infer_roundtrip(void)
{
	sq_rng r;
	sq_rng_seed(&r, 9);
	sq_frame f;
	int32_t x[256], y[256], q[SQ_LINK_MAX_OUT], q2[SQ_LINK_MAX_OUT];
	for (unsigned aw = 2; aw <= 16; aw++) {
		uint32_t in = 1 + (uint32_t)sq_rng_below(&r, aw <= 8 ? 256 : 256);
		int32_t amax = (1 << (aw - 1)) - 1;
		for (uint32_t i = 0; i < in; i++)
			x[i] = (int32_t)sq_rng_range(&r, -amax, amax);
		CHECK(sq_link_infer_req_encode(&f, x, in, aw) == 0);
		CHECK(f.len == in * (aw <= 8 ? 1 : 2));
		CHECK(sq_link_infer_req_decode(&f, in, aw, y) == 0);
		CHECK(memcmp(x, y, in * sizeof(int32_t)) == 0);
		CHECK(sq_link_infer_req_decode(&f, in + 1, aw, y) == SQ_LINK_E_LENGTH);
		x[0] = amax + 1;
		CHECK(sq_link_infer_req_encode(&f, x, in, aw) == SQ_LINK_E_VALUE);
	}
	/* i8 layout: -1 is 0xFF; i16: -2 is FE FF */
	x[0] = -1; x[1] = 5;
	sq_link_infer_req_encode(&f, x, 2, 8);
	CHECK(f.payload[0] == 0xFF && f.payload[1] == 5);
	x[0] = -2;
	sq_link_infer_req_encode(&f, x, 2, 12);
	CHECK(f.payload[0] == 0xFE && f.payload[1] == 0xFF && f.payload[2] == 5);

	for (uint32_t out = 1; out <= SQ_LINK_MAX_OUT; out += 17) {
		for (uint32_t i = 0; i < out; i++)
			q[i] = (int32_t)sq_rng_u64(&r);
		uint16_t act = (uint16_t)sq_rng_below(&r, out), a2;
		uint32_t cyc = (uint32_t)sq_rng_u64(&r), c2;
		CHECK(sq_link_infer_resp_encode(&f, act, cyc, q, out) == 0);
		CHECK(f.len == 6 + 4 * out);
		CHECK(sq_link_infer_resp_decode(&f, out, &a2, &c2, q2) == 0);
		CHECK(a2 == act && c2 == cyc && memcmp(q, q2, out * 4) == 0);
		CHECK(sq_link_infer_resp_decode(&f, out + 1, &a2, &c2, q2) == SQ_LINK_E_LENGTH);
		/* an action outside the output range is refused */
		sq_put_u16(f.payload, (uint16_t)out);
		CHECK(sq_link_infer_resp_decode(&f, out, &a2, &c2, q2) == SQ_LINK_E_VALUE);
	}
	CHECK(sq_link_infer_resp_encode(&f, 0, 0, q, SQ_LINK_MAX_OUT + 1) == SQ_LINK_E_VALUE);
	return 0;
}

static int t_load_commit_stats(void)
{
	sq_frame f;
	sq_link_load a = {.mem = 2, .lane = 3, .addr = 0x1234, .count = 60}, b;
	for (unsigned i = 0; i < 60; i++)
		a.words[i] = 0x0102030405060708ull * (i + 1);
	CHECK(sq_link_load_encode(&f, &a) == 0);
	CHECK(f.len == 8 + 480);
	CHECK(f.payload[0] == 2 && f.payload[1] == 3 && f.payload[2] == 0x34 &&
	      f.payload[3] == 0x12 && f.payload[4] == 60 && f.payload[8] == 0x08 &&
	      f.payload[15] == 0x01);
	CHECK(sq_link_load_decode(&f, &b) == 0);
	CHECK(b.mem == 2 && b.lane == 3 && b.addr == 0x1234 && b.count == 60);
	CHECK(memcmp(a.words, b.words, sizeof(a.words)) == 0);
	f.len -= 8;
	CHECK(sq_link_load_decode(&f, &b) == SQ_LINK_E_LENGTH);
	a.count = 0;
	CHECK(sq_link_load_encode(&f, &a) == SQ_LINK_E_VALUE);
	a.count = 61;
	CHECK(sq_link_load_encode(&f, &a) == SQ_LINK_E_VALUE);

	sq_link_commit c = {.model_id = 0xDEADBEEF, .in_dim = 4, .out_dim = 2}, d;
	sq_link_commit_encode(&f, &c);
	CHECK(f.len == 8 && f.payload[0] == 0xEF && f.payload[3] == 0xDE);
	CHECK(sq_link_commit_decode(&f, &d) == 0 && d.model_id == c.model_id && d.in_dim == 4 && d.out_dim == 2);

	sq_link_stats s = {1, 2, 3, 4, 5, 0xFFFFFFFF}, t;
	sq_link_stats_encode(&f, &s);
	CHECK(f.len == 24 && f.payload[4] == 2 && f.payload[23] == 0xFF);
	CHECK(sq_link_stats_decode(&f, &t) == 0 && memcmp(&s, &t, sizeof(s)) == 0);

	uint8_t st, code, rt;
	sq_link_status_encode(&f, 7);
	CHECK(sq_link_status_decode(&f, &st) == 0 && st == 7);
	sq_link_error_encode(&f, SQ_DEV_E_TARGET, SQ_LINK_LOAD);
	CHECK(f.type == 0xFF);
	CHECK(sq_link_error_decode(&f, &code, &rt) == 0 && code == 3 && rt == 3);
	f.len = 3;
	CHECK(sq_link_error_decode(&f, &code, &rt) == SQ_LINK_E_LENGTH);
	return 0;
}

/* sparqd's STATUS answer: 66 bytes, layout of docs/protocol.md. */
static int t_sparqd_state(void)
{
	sq_sparqd_state a = {.device_up = 1, .clients = 3, .requests = 0x01020304,
			     .device_requests = 5, .losses = 6, .reconnects = 7,
			     .retransmits = 8, .timeouts = 9, .crc_errors = 10}, b;
	uint8_t p[SQ_SPARQD_STATUS_LEN], h[4];
	CHECK(SQ_SPARQD_STATUS_LEN == 66);
	for (int i = 0; i < 34; i++)
		a.info[i] = (uint8_t)(i + 1);
	sq_sparqd_state_encode(p, &a);
	CHECK(p[0] == 1 && p[1] == 0 && p[2] == 3 && p[3] == 0);
	CHECK(p[4] == 0x04 && p[7] == 0x01 && p[28] == 10 && p[32] == 1 && p[65] == 34);
	sq_sparqd_state_decode(p, &b);
	CHECK(b.device_up == 1 && b.clients == 3 && b.requests == 0x01020304);
	CHECK(b.losses == 6 && b.reconnects == 7 && b.retransmits == 8 && b.timeouts == 9 &&
	      b.crc_errors == 10 && memcmp(a.info, b.info, 34) == 0);
	sq_sparqd_hdr(h, 0xC0, 2, 0x0102);
	CHECK(h[0] == 0xC0 && h[1] == 2 && h[2] == 0x02 && h[3] == 0x01);
	CHECK(strcmp(sq_sparqd_strstatus(SQ_SPARQD_NO_DEVICE), "unknown status") != 0);
	CHECK(strcmp(sq_link_strerror(SQ_LINK_E_GONE), "device gone") == 0);
	return 0;
}

int main(void)
{
	RUN(t_info_layout);
	RUN(t_infer_roundtrip);
	RUN(t_load_commit_stats);
	RUN(t_sparqd_state);
	return tl_done();
}
