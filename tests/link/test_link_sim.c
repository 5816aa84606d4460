/*
 * test_link_sim.c - board-level tests of the link: real frames (host
 * link_frame.c / link_proto.c) through sparq-sim's socket, at UART bit level.
 *
 *   test_link_sim STANDIN_SIM REAL_SIM TMPDIR
 *
 * With the stand-in core (tests/link/standin/sq_core.v, mirrored by
 * standin.h): INFO, INFER against the C mirror, LOAD/COMMIT, every ERROR
 * code, resynchronization after garbage and truncated frames with the
 * counters, a LOAD with a bad CRC that changes nothing, busy answers to
 * requests sent back to back, line faults (no wrong answer is ever
 * accepted), and a device that vanishes. With the real core: a random R1-shaped
 * model loaded by sparq-sim --model, INFER against the golden model, and a bad
 * LOAD that changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "golden.h"
#include "link_frame.h"
#include "link_proto.h"
#include "randmodel.h"
#include "rng.h"
#include "sqm.h"
#include "standin.h"
#include "testlib.h"

static const char *standin_bin, *real_bin, *tmpdir, *img_bin, *img_model;

/* ---- a running sparq-sim and a connection to it ---------------------------- */

typedef struct sim {
	pid_t pid;
	int fd;
	char sock[100];
	sq_frame_parser ps;
	uint8_t seq;
} sim;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int sim_connect(sim *s)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, s->sock, strlen(s->sock) + 1);  /* < 100 bytes */
	s->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s->fd < 0)
		return -1;
	if (connect(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	sq_frame_parser_init(&s->ps);
	return 0;
}

/* Every sparq-sim started, so that a failing test never leaves one behind
 * (it would hold the test's output pipe open). */
static pid_t g_pids[16];
static int g_npids;

static void kill_all(void)
{
	for (int i = 0; i < g_npids; i++)
		if (g_pids[i] > 0) {
			kill(g_pids[i], SIGTERM);
			waitpid(g_pids[i], NULL, 0);
			g_pids[i] = 0;
		}
}

/* Starts bin on TMPDIR/name.sock with extra arguments (NULL-terminated). */
static int sim_start(sim *s, const char *bin, const char *name, const char *const *args)
{
	const char *argv[24];
	int n = 0;
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if ((size_t)snprintf(s->sock, sizeof(s->sock), "%s/%s.sock", tmpdir, name) >= sizeof(s->sock))
		return -1;
	unlink(s->sock);
	argv[n++] = bin;
	while (args && *args && n < 22)
		argv[n++] = *args++;
	argv[n++] = s->sock;
	argv[n] = NULL;
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);  /* dies with the test */
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	if (g_npids < 16)
		g_pids[g_npids++] = s->pid;
	double t0 = now_s();
	while (now_s() - t0 < 120) {
		struct stat st;
		if (stat(s->sock, &st) == 0 && sim_connect(s) == 0)
			return 0;
		int status;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			return -1;
		}
		usleep(20000);
	}
	return -1;
}

static void sim_stop(sim *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		for (int i = 0; i < g_npids; i++)
			if (g_pids[i] == s->pid)
				g_pids[i] = 0;
	}
	s->pid = 0;
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int send_frame(sim *s, const sq_frame *f)
{
	uint8_t wire[SQ_LINK_MAX_WIRE];
	int n = sq_frame_encode(f, wire, sizeof(wire));
	return n < 0 ? -1 : send_all(s->fd, wire, (size_t)n);
}

/* Waits up to timeout seconds for a good frame. 1 got one, 0 timeout, -1 EOF. */
static int recv_frame(sim *s, sq_frame *out, double timeout)
{
	double t0 = now_s();
	for (;;) {
		double left = timeout - (now_s() - t0);
		if (left <= 0)
			return 0;
		struct pollfd pf = {s->fd, POLLIN, 0};
		int r = poll(&pf, 1, (int)(left * 1000) + 1);
		if (r <= 0)
			continue;
		uint8_t b;
		ssize_t k = recv(s->fd, &b, 1, 0);
		if (k <= 0)
			return -1;
		if (sq_frame_parser_push(&s->ps, b, out) == SQ_FRAME_OK)
			return 1;
	}
}

/* One request, one answer with the same seq (10 s wall-clock limit). */
static int xfer(sim *s, sq_frame *req, sq_frame *rsp)
{
	req->seq = s->seq++;
	if (send_frame(s, req) != 0)
		return -1;
	for (;;) {
		int r = recv_frame(s, rsp, 10.0);
		if (r <= 0)
			return -1;
		if (rsp->seq == req->seq)
			return 0;
	}
}

static int simple(sim *s, uint8_t type, sq_frame *rsp)
{
	sq_frame req;
	req.type = type;
	req.len = 0;
	return xfer(s, &req, rsp);
}

static int get_stats(sim *s, sq_link_stats *st)
{
	sq_frame rsp;
	if (simple(s, SQ_LINK_STATS, &rsp) != 0 || rsp.type != (SQ_LINK_STATS | SQ_LINK_RESP))
		return -1;
	return sq_link_stats_decode(&rsp, st);
}

static int expect_error(sim *s, sq_frame *req, uint8_t code)
{
	sq_frame rsp;
	uint8_t c, t;
	if (xfer(s, req, &rsp) != 0 || rsp.type != SQ_LINK_ERROR ||
	    sq_link_error_decode(&rsp, &c, &t) != 0) {
		fprintf(stderr, "  no ERROR answer to type 0x%02x (got 0x%02x)\n", req->type, rsp.type);
		return -1;
	}
	if (c != code || t != req->type) {
		fprintf(stderr, "  ERROR %u for type 0x%02x, expected %u\n", c, t, code);
		return -1;
	}
	return 0;
}

static int expect_status(sim *s, sq_frame *req)
{
	sq_frame rsp;
	uint8_t st;
	return xfer(s, req, &rsp) == 0 && rsp.type == (req->type | SQ_LINK_RESP) &&
	       sq_link_status_decode(&rsp, &st) == 0 && st == 0 ? 0 : -1;
}

/* ---- stand-in core tests ----------------------------------------------------- */

static sim g_sim;
static int g_up;
static int32_t g_bias[STANDIN_NQ];
static uint32_t g_in = 4, g_out = 2;

static int infer_check(sim *s, const int32_t *a, int *n_checked)
{
	sq_frame req, rsp;
	int32_t q[STANDIN_NQ], qe[STANDIN_NQ];
	uint16_t action;
	uint32_t cycles;
	req.type = SQ_LINK_INFER;
	if (sq_link_infer_req_encode(&req, a, g_in, 8) != 0)
		return -1;
	if (xfer(s, &req, &rsp) != 0 || rsp.type != (SQ_LINK_INFER | SQ_LINK_RESP) ||
	    sq_link_infer_resp_decode(&rsp, g_out, &action, &cycles, q) != 0) {
		fprintf(stderr, "  INFER: no good answer (type 0x%02x len %u)\n", rsp.type, rsp.len);
		return -1;
	}
	uint32_t ae = standin_infer(g_bias, a, g_in, g_out, qe);
	for (uint32_t j = 0; j < g_out; j++)
		if (q[j] != qe[j]) {
			fprintf(stderr, "  q[%u] = %d, expected %d\n", j, q[j], qe[j]);
			return -1;
		}
	if (action != ae || cycles == 0) {
		fprintf(stderr, "  action %u (expected %u), cycles %u\n", action, ae, cycles);
		return -1;
	}
	(*n_checked)++;
	return 0;
}

static void random_acts(sq_rng *r, int32_t *a, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		a[i] = (int32_t)(sq_rng_u64(r) % 255) - 127;
}

static int t_start_standin(void)
{
	CHECK(sim_start(&g_sim, standin_bin, "standin", NULL) == 0);
	g_up = 1;
	return 0;
}

static int t_info(void)
{
	sq_frame rsp;
	sq_link_info in;
	if (!g_up)
		return TL_SKIP;
	CHECK(simple(&g_sim, SQ_LINK_INFO, &rsp) == 0);
	CHECK(rsp.type == (SQ_LINK_INFO | SQ_LINK_RESP));
	CHECK(memcmp(rsp.payload, "SPQ1", 4) == 0);
	CHECK(sq_link_info_decode(&rsp, &in) == 0);
	CHECK(in.P == 8 && in.AW == 8 && in.WW == 8 && in.ACCW == 32 && in.MAXW == 256);
	CHECK(in.MAXL == 8 && in.LG_WD == 12 && in.LG_RD == 9);
	CHECK(in.in_dim == 4 && in.out_dim == 2);
	CHECK(in.clk_hz == 12000000 && in.baud == 1000000);
	return 0;
}

static int t_infer_standin(void)
{
	sq_rng r;
	int32_t a[SQ_LINK_MAX_PAYLOAD];
	int n = 0;
	if (!g_up)
		return TL_SKIP;
	sq_rng_seed(&r, 11);
	for (int i = 0; i < 40; i++) {
		random_acts(&r, a, g_in);
		if (i == 0) { /* escapes: 0xC0 and 0xDB as activations */
			a[0] = -64;
			a[1] = -37;
		}
		CHECK(infer_check(&g_sim, a, &n) == 0);
	}
	CHECK(n == 40);
	return 0;
}

static int load_frame(sq_frame *f, uint8_t mem, uint8_t lane, uint16_t addr, uint8_t count,
		      const uint64_t *w)
{
	sq_link_load l;
	memset(&l, 0, sizeof(l));
	l.mem = mem;
	l.lane = lane;
	l.addr = addr;
	l.count = count;
	for (uint32_t i = 0; i < count; i++)
		l.words[i] = w[i];
	f->type = SQ_LINK_LOAD;
	return sq_link_load_encode(f, &l);
}

/* A LOAD payload written by hand, for targets the host encoder refuses. */
static void raw_load(sq_frame *f, uint8_t mem, uint8_t lane, uint16_t addr, uint8_t count,
		     uint32_t nwords)
{
	f->type = SQ_LINK_LOAD;
	memset(f->payload, 0, 8 + 8 * nwords);
	f->payload[0] = mem;
	f->payload[1] = lane;
	sq_put_u16(f->payload + 2, addr);
	f->payload[4] = count;
	f->len = (uint16_t)(8 + 8 * nwords);
}

/* Loads biases (mem 3, lane p, addr 0 -> bias[p]) and a new shape. */
static int t_load_commit(void)
{
	sq_frame req;
	sq_rng r;
	int32_t a[64];
	int n = 0;
	if (!g_up)
		return TL_SKIP;
	for (uint32_t p = 0; p < 8; p++) {
		uint64_t w = (uint64_t)(uint32_t)(int32_t)(1000 * (int32_t)p - 3000);
		CHECK(load_frame(&req, 3, (uint8_t)p, 0, 1, &w) == 0);
		CHECK(expect_status(&g_sim, &req) == 0);
		g_bias[p] = 1000 * (int32_t)p - 3000;
	}
	/* the stand-in reads in_words (bits 0..) and out_dim (bits 2*RCW..) from lt[0]:
	 * MAXW 256, P 8 -> AWD 32, RCW 6 */
	uint64_t lt0 = (3ull << 12) | 2ull;
	CHECK(load_frame(&req, 0, 0, 0, 1, &lt0) == 0);
	CHECK(expect_status(&g_sim, &req) == 0);
	sq_link_commit c = {0x12345678u, 12, 3};
	req.type = SQ_LINK_COMMIT;
	sq_link_commit_encode(&req, &c);
	CHECK(expect_status(&g_sim, &req) == 0);
	g_in = 12;
	g_out = 3;
	sq_frame rsp;
	sq_link_info in;
	CHECK(simple(&g_sim, SQ_LINK_INFO, &rsp) == 0 && sq_link_info_decode(&rsp, &in) == 0);
	CHECK(in.model_id == 0x12345678u && in.in_dim == 12 && in.out_dim == 3);
	sq_rng_seed(&r, 12);
	for (int i = 0; i < 20; i++) {
		random_acts(&r, a, g_in);
		CHECK(infer_check(&g_sim, a, &n) == 0);
	}
	return 0;
}

static int t_errors(void)
{
	sq_frame req;
	uint64_t w[2] = {1, 2};
	if (!g_up)
		return TL_SKIP;
	req.type = 0x42;
	req.len = 0;
	CHECK(expect_error(&g_sim, &req, SQ_DEV_E_TYPE) == 0);
	req.type = 0x82;  /* a response type sent to the device */
	CHECK(expect_error(&g_sim, &req, SQ_DEV_E_TYPE) == 0);
	req.type = SQ_LINK_INFO;
	req.len = 1;
	req.payload[0] = 0;
	CHECK(expect_error(&g_sim, &req, SQ_DEV_E_LENGTH) == 0);
	req.type = SQ_LINK_INFER;
	req.len = (uint16_t)(g_in + 1);
	memset(req.payload, 0, req.len);
	CHECK(expect_error(&g_sim, &req, SQ_DEV_E_LENGTH) == 0);
	(void)w;
	raw_load(&req, 4, 0, 0, 1, 1);          /* mem 4 */
	CHECK(expect_error(&g_sim, &req, SQ_DEV_E_TARGET) == 0);
	raw_load(&req, 2, 8, 0, 1, 1);          /* lane 8 of 8 */
	CHECK(expect_error(&g_sim, &req, SQ_DEV_E_TARGET) == 0);
	raw_load(&req, 0, 0, 7, 2, 2);          /* lt 7..8 of 8 */
	CHECK(expect_error(&g_sim, &req, SQ_DEV_E_TARGET) == 0);
	raw_load(&req, 2, 0, 4095, 2, 2);       /* wm 4095..4096 */
	CHECK(expect_error(&g_sim, &req, SQ_DEV_E_TARGET) == 0);
	raw_load(&req, 3, 0, 0, 2, 1);          /* count 2, one word */
	CHECK(expect_error(&g_sim, &req, SQ_DEV_E_LENGTH) == 0);
	raw_load(&req, 3, 0, 0, 0, 1);          /* count 0 */
	CHECK(expect_error(&g_sim, &req, SQ_DEV_E_LENGTH) == 0);
	raw_load(&req, 3, 0, 0, 61, 61);        /* count 61 */
	CHECK(expect_error(&g_sim, &req, SQ_DEV_E_LENGTH) == 0);
	sq_link_commit c = {1, 4, 200};                     /* out_dim > 126 */
	req.type = SQ_LINK_COMMIT;
	sq_link_commit_encode(&req, &c);
	CHECK(expect_error(&g_sim, &req, SQ_DEV_E_TARGET) == 0);
	c.out_dim = 2;
	c.in_dim = 0;
	sq_link_commit_encode(&req, &c);
	CHECK(expect_error(&g_sim, &req, SQ_DEV_E_TARGET) == 0);
	/* none of it changed the model */
	sq_frame rsp;
	sq_link_info in;
	CHECK(simple(&g_sim, SQ_LINK_INFO, &rsp) == 0 && sq_link_info_decode(&rsp, &in) == 0);
	CHECK(in.model_id == 0x12345678u && in.in_dim == g_in && in.out_dim == g_out);
	return 0;
}

/* Garbage, truncated bodies, bad escapes and a bad CRC: dropped, counted, and
 * the next good frame is answered. */
static int t_resync(void)
{
	sq_frame req, rsp;
	sq_link_stats st;
	sq_rng r;
	uint8_t junk[300];
	if (!g_up)
		return TL_SKIP;
	req.type = SQ_LINK_RESET;
	req.len = 0;
	CHECK(expect_status(&g_sim, &req) == 0);
	CHECK(get_stats(&g_sim, &st) == 0);
	CHECK(st.frames_ok == 1 && st.crc_errors == 0 && st.framing_errors == 0);
	CHECK(st.inferences == 0 && st.loads == 0);

	/* 1: random garbage without END, ended by END */
	sq_rng_seed(&r, 5);
	for (size_t i = 0; i < sizeof(junk); i++) {
		junk[i] = (uint8_t)sq_rng_u64(&r);
		if (junk[i] == SQ_SLIP_END)
			junk[i] = 0x55;
	}
	junk[sizeof(junk) - 1] = SQ_SLIP_END;
	CHECK(send_all(g_sim.fd, junk, sizeof(junk)) == 0);
	/* 2: a truncated INFO (type, seq only) */
	const uint8_t trunc[] = {0xC0, 0x01, 0x09, 0xC0};
	CHECK(send_all(g_sim.fd, trunc, sizeof(trunc)) == 0);
	/* 3: a bad escape inside an otherwise good frame */
	const uint8_t badesc[] = {0xC0, 0x01, 0x09, 0xDB, 0x00, 0x00, 0x00, 0x00, 0xC0};
	CHECK(send_all(g_sim.fd, badesc, sizeof(badesc)) == 0);
	/* 4: a good STATS with its CRC broken */
	uint8_t wire[SQ_LINK_MAX_WIRE];
	req.type = SQ_LINK_STATS;
	req.len = 0;
	req.seq = 0x77;
	int n = sq_frame_encode(&req, wire, sizeof(wire));
	CHECK(n == 8 && wire[5] != 0xC0 && wire[5] != 0xDB);
	wire[5] ^= 0x01;   /* first CRC byte (no escapes in this frame) */
	if (wire[5] == 0xC0 || wire[5] == 0xDB)
		wire[5] ^= 0x03;
	CHECK(send_all(g_sim.fd, wire, (size_t)n) == 0);
	/* 5: ESC END ends a body too */
	const uint8_t escend[] = {0x04, 0x01, 0xDB, 0xC0};
	CHECK(send_all(g_sim.fd, escend, sizeof(escend)) == 0);
	/* none of it is answered; the next good frame is */
	CHECK(get_stats(&g_sim, &st) == 0);
	CHECK(recv_frame(&g_sim, &rsp, 0.05) == 0);  /* nothing else arrived */
	CHECKF(st.framing_errors == 4 && st.crc_errors == 1, "framing %u crc %u", st.framing_errors,
	       st.crc_errors);
	CHECK(st.frames_ok == 2);
	return 0;
}

/* A LOAD whose CRC is bad changes nothing. */
static int t_bad_crc_load(void)
{
	sq_frame req, rsp;
	sq_link_stats st0, st1;
	uint8_t wire[SQ_LINK_MAX_WIRE];
	int32_t a[64];
	sq_rng r;
	int n = 0;
	if (!g_up)
		return TL_SKIP;
	CHECK(get_stats(&g_sim, &st0) == 0);
	uint64_t w[8];
	for (int p = 0; p < 8; p++)
		w[p] = 0x7777777ull;
	for (uint8_t p = 0; p < 8; p++) {
		CHECK(load_frame(&req, 3, p, 0, 1, w) == 0);
		req.seq = 0x90;
		int k = sq_frame_encode(&req, wire, sizeof(wire));
		CHECK(k > 12);
		/* corrupt the word's lowest byte (body offset 12, wire offset 13 if no
		 * escape before it): 0x77 -> 0x76 */
		CHECK(wire[13] == 0x77);
		wire[13] = 0x76;
		CHECK(send_all(g_sim.fd, wire, (size_t)k) == 0);
	}
	CHECK(recv_frame(&g_sim, &rsp, 0.2) == 0);  /* no answer */
	CHECK(get_stats(&g_sim, &st1) == 0);
	CHECK(st1.crc_errors == st0.crc_errors + 8);
	CHECK(st1.loads == st0.loads);
	sq_rng_seed(&r, 13);
	for (int i = 0; i < 10; i++) {
		random_acts(&r, a, g_in);
		CHECK(infer_check(&g_sim, a, &n) == 0);  /* g_bias unchanged */
	}
	return 0;
}

/* Requests sent back to back: each gets one answer, its own or ERROR busy. */
static int t_busy(void)
{
	sq_frame req, rsp;
	int32_t a[64] = {0};
	int answered[8] = {0}, busy = 0, ok = 0;
	if (!g_up)
		return TL_SKIP;
	for (int i = 0; i < 6; i++) {
		a[0] = i;
		req.type = SQ_LINK_INFER;
		CHECK(sq_link_infer_req_encode(&req, a, g_in, 8) == 0);
		req.seq = (uint8_t)(0xA0 + i);
		CHECK(send_frame(&g_sim, &req) == 0);
	}
	while (recv_frame(&g_sim, &rsp, 0.3) == 1) {
		CHECK(rsp.seq >= 0xA0 && rsp.seq < 0xA6);
		answered[rsp.seq - 0xA0]++;
		if (rsp.type == SQ_LINK_ERROR) {
			uint8_t c, t;
			CHECK(sq_link_error_decode(&rsp, &c, &t) == 0 && c == SQ_DEV_E_BUSY && t == SQ_LINK_INFER);
			busy++;
		} else {
			CHECK(rsp.type == (SQ_LINK_INFER | SQ_LINK_RESP));
			ok++;
		}
	}
	for (int i = 0; i < 6; i++)
		CHECKF(answered[i] == 1, "request %d answered %d times", i, answered[i]);
	CHECKF(busy >= 1 && ok >= 2, "busy %d ok %d", busy, ok);
	return 0;
}

static int commit(sim *s, uint32_t in_dim, uint32_t out_dim)
{
	sq_frame req;
	sq_link_commit c = {0x12345678u, (uint16_t)in_dim, (uint16_t)out_dim};
	req.type = SQ_LINK_COMMIT;
	sq_link_commit_encode(&req, &c);
	if (expect_status(s, &req) != 0)
		return -1;
	g_in = in_dim;
	g_out = out_dim;
	return 0;
}

/* A core that disagrees with the committed shape (the stand-in takes its shape
 * from lt[0]: 2 words in, 3 out) never hangs the link and never yields a wrong
 * answer with a good CRC. The stand-in build has a 2^16-cycle watchdog. */
static int t_watchdog(void)
{
	sq_frame req, rsp;
	int32_t a[64] = {0};
	sq_rng r;
	int n = 0;
	uint8_t c, t;
	if (!g_up)
		return TL_SKIP;
	/* one beat sent, the core waits for two: the watchdog answers busy */
	CHECK(commit(&g_sim, 4, 3) == 0);
	req.type = SQ_LINK_INFER;
	CHECK(sq_link_infer_req_encode(&req, a, 4, 8) == 0);
	CHECK(xfer(&g_sim, &req, &rsp) == 0);
	CHECK(rsp.type == SQ_LINK_ERROR && sq_link_error_decode(&rsp, &c, &t) == 0);
	CHECK(c == SQ_DEV_E_BUSY && t == SQ_LINK_INFER);
	/* the core gives 3 results, the response promises 4: cut short, dropped */
	CHECK(commit(&g_sim, 12, 4) == 0);
	req.type = SQ_LINK_INFER;
	CHECK(sq_link_infer_req_encode(&req, a, 12, 8) == 0);
	req.seq = 0x66;
	CHECK(send_frame(&g_sim, &req) == 0);
	CHECK(recv_frame(&g_sim, &rsp, 0.3) == 0);
	CHECK(g_sim.ps.framing_errors >= 1);
	/* the core gives 3, the response takes 2: the right answer (the third
	 * beat drained) when the action is 0 or 1, else no answer at all */
	CHECK(commit(&g_sim, 12, 2) == 0);
	sq_rng_seed(&r, 14);
	int right = 0, cut = 0;
	for (int i = 0; i < 12; i++) {
		int32_t q3[3], q[2];
		uint16_t act;
		uint32_t cyc;
		random_acts(&r, a, g_in);
		if (i % 2)   /* q[2] - q[1] = sum(a) + 1000 here: make action 0 likely */
			for (uint32_t k = 0; k < g_in; k++)
				a[k] = -90 - (a[k] & 31);
		uint32_t ae = standin_infer(g_bias, a, 12, 3, q3);
		req.type = SQ_LINK_INFER;
		CHECK(sq_link_infer_req_encode(&req, a, 12, 8) == 0);
		req.seq = g_sim.seq++;
		CHECK(send_frame(&g_sim, &req) == 0);
		int got = recv_frame(&g_sim, &rsp, 0.3);
		if (ae < 2) {
			CHECK(got == 1 && rsp.seq == req.seq);
			CHECK(sq_link_infer_resp_decode(&rsp, 2, &act, &cyc, q) == 0);
			CHECK(act == ae && q[0] == q3[0] && q[1] == q3[1]);
			right++;
		} else {
			CHECK(got == 0);
			cut++;
		}
	}
	CHECKF(right > 0 && cut > 0, "right %d cut %d", right, cut);
	/* and the agreeing shape works again */
	CHECK(commit(&g_sim, 12, 3) == 0);
	for (int i = 0; i < 5; i++) {
		random_acts(&r, a, g_in);
		CHECK(infer_check(&g_sim, a, &n) == 0);
	}
	return 0;
}

static int t_stop_standin(void)
{
	if (!g_up)
		return TL_SKIP;
	sim_stop(&g_sim);
	g_up = 0;
	return 0;
}

/* Faults on the line: every answer accepted (good CRC, right seq) is right. */
static int t_faults(void)
{
	sim s;
	const char *args[] = {"--flip", "0.0005", "--drop", "0.002", "--garbage", "0.002",
			      "--seed", "3", NULL};
	sq_rng r;
	int32_t a[8], q[4], qe[4];
	int32_t zero[STANDIN_NQ] = {0};
	int good = 0, retries = 0, wrong = 0;
	CHECK(sim_start(&s, standin_bin, "faults", args) == 0);
	sq_rng_seed(&r, 21);
	for (int i = 0; i < 150; i++) {
		sq_frame req, rsp;
		random_acts(&r, a, 4);
		req.type = SQ_LINK_INFER;
		CHECK(sq_link_infer_req_encode(&req, a, 4, 8) == 0);
		req.seq = s.seq++;
		for (int tries = 0; tries < 20; tries++) {
			CHECK(send_frame(&s, &req) == 0);
			int got = 0;
			while (recv_frame(&s, &rsp, 0.1) == 1)
				if (rsp.seq == req.seq) {
					got = 1;
					break;
				}
			uint16_t act;
			uint32_t cyc;
			if (got && rsp.type == (SQ_LINK_INFER | SQ_LINK_RESP) &&
			    sq_link_infer_resp_decode(&rsp, 2, &act, &cyc, q) == 0) {
				uint32_t ae = standin_infer(zero, a, 4, 2, qe);
				if (act != ae || q[0] != qe[0] || q[1] != qe[1])
					wrong++;
				good++;
				break;
			}
			retries++;
		}
	}
	sim_stop(&s);
	printf("  faults: %d answers, %d retransmissions, %d wrong\n", good, retries, wrong);
	CHECK(wrong == 0);
	CHECK(good == 150);
	CHECK(retries > 0);   /* the faults did happen */
	return 0;
}

/* The device vanishes after N bytes: the connection closes; a new one works. */
static int t_vanish(void)
{
	sim s;
	const char *args[] = {"--vanish", "100", NULL};
	sq_frame req, rsp;
	int32_t a[4] = {1, 2, 3, 4};
	int eof = 0;
	CHECK(sim_start(&s, standin_bin, "vanish", args) == 0);
	for (int i = 0; i < 40 && !eof; i++) {
		req.type = SQ_LINK_INFER;
		CHECK(sq_link_infer_req_encode(&req, a, 4, 8) == 0);
		req.seq = s.seq++;
		if (send_frame(&s, &req) != 0) {
			eof = 1;
			break;
		}
		int rc;
		while ((rc = recv_frame(&s, &rsp, 2.0)) == 1 && rsp.seq != req.seq)
			;
		if (rc < 0)
			eof = 1;
	}
	CHECK(eof);
	close(s.fd);
	s.fd = -1;
	CHECK(sim_connect(&s) == 0);
	CHECK(simple(&s, SQ_LINK_INFO, &rsp) == 0 && rsp.type == (SQ_LINK_INFO | SQ_LINK_RESP));
	sim_stop(&s);
	return 0;
}

/* ---- the real core against the golden model -------------------------------- */

static int t_real_golden(void)
{
	sq_randmodel_opts o;
	sq_model *m = NULL;
	sq_err err;
	sim s;
	char path[300];
	static sq_golden_ws ws;
	sq_rng r;
	int n = 0;

	if (access(real_bin, X_OK) != 0)
		return TL_SKIP;
	sq_randmodel_defaults(&o);   /* 4-64-64-2, 8-bit, 90% sparse */
	o.seed = 17;
	CHECK(sq_random_model(&o, &m, &err) == 0);
	snprintf(path, sizeof(path), "%s/r1.sqm", tmpdir);
	CHECK(sqm_write_file(m, path, &err) == 0);
	char stats[300];
	snprintf(stats, sizeof(stats), "%s/real-stats.json", tmpdir);
	unlink(stats);
	const char *args[] = {"--model", path, "--stats", stats, NULL};
	CHECK(sim_start(&s, real_bin, "real", args) == 0);

	sq_frame req, rsp;
	sq_link_info in;
	CHECK(simple(&s, SQ_LINK_INFO, &rsp) == 0 && sq_link_info_decode(&rsp, &in) == 0);
	CHECK(in.in_dim == 4 && in.out_dim == 2);
	uint32_t amax = (1u << (m->q[0].abits_in - 1)) - 1;
	sq_rng_seed(&r, 23);
	uint32_t cyc_max = 0;
	for (int i = 0; i < 200; i++) {
		int32_t a[4], q[2];
		int64_t qe[2];
		uint16_t act;
		uint32_t cyc;
		for (int k = 0; k < 4; k++)
			a[k] = (int32_t)(sq_rng_u64(&r) % (2 * amax + 1)) - (int32_t)amax;
		req.type = SQ_LINK_INFER;
		CHECK(sq_link_infer_req_encode(&req, a, 4, in.AW) == 0);
		CHECK(xfer(&s, &req, &rsp) == 0);
		CHECKF(rsp.type == (SQ_LINK_INFER | SQ_LINK_RESP), "type 0x%02x", rsp.type);
		CHECK(sq_link_infer_resp_decode(&rsp, 2, &act, &cyc, q) == 0);
		uint32_t ae = sq_golden_infer(m, a, qe, &ws, NULL);
		CHECKF(act == ae && q[0] == (int32_t)qe[0] && q[1] == (int32_t)qe[1],
		       "inference %d: action %u q %d %d, golden %u q %lld %lld", i, act, q[0], q[1],
		       ae, (long long)qe[0], (long long)qe[1]);
		if (cyc > cyc_max)
			cyc_max = cyc;
		n++;
	}
	/* a LOAD of zero weights with a bad CRC changes nothing */
	uint64_t zw[60] = {0};
	uint8_t wire[SQ_LINK_MAX_WIRE];
	for (uint8_t p = 0; p < in.P; p++) {
		CHECK(load_frame(&req, 2, p, 0, 60, zw) == 0);
		req.seq = 0x55;
		int k = sq_frame_encode(&req, wire, sizeof(wire));
		CHECK(k > 20 && wire[k - 3] != 0xDB);
		wire[20] ^= 0x10;  /* a zero word byte becomes 0x10 */
		CHECK(send_all(s.fd, wire, (size_t)k) == 0);
	}
	CHECK(recv_frame(&s, &rsp, 0.3) == 0);
	sq_link_stats st;
	CHECK(get_stats(&s, &st) == 0 && st.crc_errors == in.P && st.loads == 0);
	sq_rng_seed(&r, 23);
	for (int i = 0; i < 50; i++) {
		int32_t a[4], q[2];
		int64_t qe[2];
		uint16_t act;
		uint32_t cyc;
		for (int k = 0; k < 4; k++)
			a[k] = (int32_t)(sq_rng_u64(&r) % (2 * amax + 1)) - (int32_t)amax;
		req.type = SQ_LINK_INFER;
		CHECK(sq_link_infer_req_encode(&req, a, 4, in.AW) == 0);
		CHECK(xfer(&s, &req, &rsp) == 0);
		CHECK(sq_link_infer_resp_decode(&rsp, 2, &act, &cyc, q) == 0);
		uint32_t ae = sq_golden_infer(m, a, qe, &ws, NULL);
		CHECK(act == ae && q[0] == (int32_t)qe[0] && q[1] == (int32_t)qe[1]);
	}
	printf("  real core: %d inferences equal to golden, up to %u cycles each\n", n + 50, cyc_max);
	sim_stop(&s);
	/* the latency summary sparq-sim wrote at exit */
	FILE *f = fopen(stats, "r");
	CHECK(f != NULL);
	char line[1024];
	CHECK(fgets(line, sizeof(line), f) != NULL);
	fclose(f);
	CHECK(strstr(line, "\"device_us_p50\"") != NULL);
	printf("  %s", line);
	sq_model_free(m);
	return 0;
}

/* A build whose memories start with a model's $readmemh images (as a
 * bitstream): INFO reports that model, INFER equals golden, without LOAD. */
static int t_images(void)
{
	sq_model *m = NULL;
	sq_err err;
	sim s;
	static sq_golden_ws ws;
	sq_rng r;
	uint8_t hdr[16];

	if (!img_bin || access(img_bin, X_OK) != 0)
		return TL_SKIP;
	CHECK(sqm_read_file(img_model, &m, &err) == 0);
	FILE *f = fopen(img_model, "rb");
	CHECK(f != NULL);
	CHECK(fread(hdr, 1, sizeof(hdr), f) == sizeof(hdr));
	fclose(f);
	CHECK(sim_start(&s, img_bin, "img", NULL) == 0);
	sq_frame req, rsp;
	sq_link_info in;
	CHECK(simple(&s, SQ_LINK_INFO, &rsp) == 0 && sq_link_info_decode(&rsp, &in) == 0);
	CHECKF(in.model_id == sq_get_u32(hdr + 12), "model id 0x%08x", in.model_id);
	CHECK(in.in_dim == m->dims[0] && in.out_dim == m->dims[m->n_layers]);
	uint32_t nin = m->dims[0], nout = m->dims[m->n_layers];
	CHECK(nin <= 64 && nout <= 16);
	uint32_t amax = (1u << (m->q[0].abits_in - 1)) - 1;
	sq_rng_seed(&r, 29);
	for (int i = 0; i < 100; i++) {
		int32_t a[64], q[16];
		int64_t qe[16];
		uint16_t act;
		uint32_t cyc;
		for (uint32_t k = 0; k < nin; k++)
			a[k] = (int32_t)(sq_rng_u64(&r) % (2 * amax + 1)) - (int32_t)amax;
		req.type = SQ_LINK_INFER;
		CHECK(sq_link_infer_req_encode(&req, a, nin, in.AW) == 0);
		CHECK(xfer(&s, &req, &rsp) == 0);
		CHECK(sq_link_infer_resp_decode(&rsp, nout, &act, &cyc, q) == 0);
		uint32_t ae = sq_golden_infer(m, a, qe, &ws, NULL);
		CHECK(act == ae);
		for (uint32_t j = 0; j < nout; j++)
			CHECK(q[j] == (int32_t)qe[j]);
	}
	sim_stop(&s);
	sq_model_free(m);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 6) {
		fprintf(stderr, "usage: test_link_sim STANDIN_SIM REAL_SIM TMPDIR [IMG_SIM IMG_MODEL]\n");
		return 2;
	}
	standin_bin = argv[1];
	real_bin = argv[2];
	tmpdir = argv[3];
	if (argc == 6) {
		img_bin = argv[4];
		img_model = argv[5];
	}
	signal(SIGPIPE, SIG_IGN);
	RUN(t_start_standin);
	RUN(t_info);
	RUN(t_infer_standin);
	RUN(t_load_commit);
	RUN(t_errors);
	RUN(t_resync);
	RUN(t_bad_crc_load);
	RUN(t_busy);
	RUN(t_watchdog);
	RUN(t_stop_standin);
	RUN(t_faults);
	RUN(t_vanish);
	RUN(t_real_golden);
	RUN(t_images);
	kill_all();
	return tl_done();
}
