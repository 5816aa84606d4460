/*
 * fuzz_frame.c - the host's link frame parser and payload decoders
 * (host/link_frame.c, host/link_proto.c) on arbitrary line bytes.
 *
 * Besides memory safety (ASan/UBSan), it checks: every frame the parser
 * returns has len <= 512 and a CRC that matches when recomputed; encoding it
 * again and parsing that gives the same frame; the event counts add up; and
 * every payload decoder either rejects the payload or reads inside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "link_frame.h"
#include "link_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

static void decode_all(const sq_frame *f)
{
	sq_link_info in;
	sq_link_stats st;
	sq_link_load ld;
	sq_link_commit c;
	int32_t x[512], q[SQ_LINK_MAX_OUT];
	uint16_t a;
	uint32_t cyc;
	uint8_t s, code, rt;

	(void)sq_link_info_decode(f, &in);
	(void)sq_link_stats_decode(f, &st);
	if (sq_link_load_decode(f, &ld) == 0)
		check(ld.count >= 1 && ld.count <= SQ_LINK_LOAD_MAX);
	(void)sq_link_commit_decode(f, &c);
	(void)sq_link_status_decode(f, &s);
	(void)sq_link_error_decode(f, &code, &rt);
	uint32_t dims[] = {1, 4, 6, 64, 256, 512};
	for (size_t i = 0; i < sizeof(dims) / sizeof(dims[0]); i++) {
		(void)sq_link_infer_req_decode(f, dims[i], 8, x);
		(void)sq_link_infer_req_decode(f, dims[i] / 2, 16, x);
		if (dims[i] <= SQ_LINK_MAX_OUT &&
		    sq_link_infer_resp_decode(f, dims[i], &a, &cyc, q) == 0)
			check(a < dims[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sq_frame f, g;
	static uint8_t wire[SQ_LINK_MAX_WIRE];
	sq_frame_parser p, p2;
	uint32_t events = 0, ends = 0;

	sq_frame_parser_init(&p);
	for (size_t i = 0; i < size; i++) {
		int ev = sq_frame_parser_push(&p, data[i], &f);
		if (data[i] == SQ_SLIP_END)
			ends++;
		if (ev != SQ_FRAME_NONE)
			events++;
		check(ev == SQ_FRAME_NONE || data[i] == SQ_SLIP_END);
		if (ev != SQ_FRAME_OK)
			continue;
		check(f.len <= SQ_LINK_MAX_PAYLOAD);
		uint8_t hdr[4] = {f.type, f.seq, (uint8_t)f.len, (uint8_t)(f.len >> 8)};
		uint16_t crc = sq_crc16_update(sq_crc16(hdr, 4), f.payload, f.len);
		int n = sq_frame_encode(&f, wire, sizeof(wire));
		check(n > 0);
		check(wire[n - 3] == (crc & 0xFF) || wire[n - 3] == SQ_SLIP_ESC_END ||
		      wire[n - 3] == SQ_SLIP_ESC_ESC);
		sq_frame_parser_init(&p2);
		int got = 0;
		for (int k = 0; k < n; k++)
			if (sq_frame_parser_push(&p2, wire[k], &g) == SQ_FRAME_OK)
				got++;
		check(got == 1 && g.type == f.type && g.seq == f.seq && g.len == f.len &&
		      memcmp(g.payload, f.payload, f.len) == 0);
		decode_all(&f);
	}
	check(events <= ends);
	check(p.frames_ok + p.crc_errors + p.framing_errors == events);
	return 0;
}
