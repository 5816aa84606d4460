/*
 * sq-emu.c - a sparq device emulated in C, for the host's HIL tests: it
 * speaks docs/protocol.md on a UNIX socket (like sparq-sim) or a pty (like a
 * USB serial bridge), answers INFO, INFER (through the golden model), LOAD,
 * COMMIT, STATS and RESET, and injects faults on the line.
 *
 *   sq-emu --socket PATH | --pty LINK   --model A.sqm [--model B.sqm ...]
 *          [--lanes P] [--seed S] [--flip PPM] [--drop PPM] [--garbage PCT]
 *          [--vanish-after N] [--vanish-ms MS] [--exit-after N] [--ready FILE]
 *
 * The device's weight memories are emulated as a shadow of the core's
 * memories: they start as the first model's export image (what a bitstream
 * would hold), LOAD writes them word by word, and COMMIT accepts only when
 * the shadow holds exactly the image of one of the --model files (the
 * emulator then runs that model's golden inference; otherwise COMMIT answers
 * status 1). So a runtime load is checked byte for byte, not trusted.
 *
 * Faults (deterministic in --seed): --flip flips one bit of a byte with
 * probability PPM/1e6 in both directions; --drop drops a byte likewise;
 * --garbage puts 1..24 random bytes before PCT percent of the responses;
 * --vanish-after N closes the line after N responses and stays away for
 * --vanish-ms (the socket file is removed meanwhile), then comes back (once);
 * --exit-after N exits after N responses (the device never comes back).
 * --ready FILE is created once the emulator listens.
 */
#define _XOPEN_SOURCE 600 /* posix_openpt */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "crc32.h"
#include "device.h"
#include "export.h"
#include "golden.h"
#include "link_frame.h"
#include "link_proto.h"
#include "rng.h"
#include "sqm.h"

#define MAX_MODELS 4

typedef struct emu {
	sq_hwcfg cfg;
	int n_models;
	sq_model *models[MAX_MODELS];
	sq_image *images[MAX_MODELS];
	uint32_t ids[MAX_MODELS];
	int active;             /* index into models, -1 none */
	uint32_t model_id;
	uint16_t in_dim, out_dim;
	/* shadow memories */
	uint64_t *lt, *rt, *wm, *pm; /* wm/pm: [depth * P] lane entries */
	size_t lt_n, rt_n, wm_n, pm_n;
	sq_frame_parser parser;
	sq_link_stats st;
	sq_golden_ws *ws;
	sq_rng rng;
	uint32_t flip_ppm, drop_ppm, garbage_pct;
	long vanish_after, vanish_ms, exit_after;
	long responses;
} emu;

static volatile sig_atomic_t stop;
static void on_signal(int s) { (void)s; stop = 1; }

static __attribute__((format(printf, 1, 2), noreturn)) void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "sq-emu: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* The model id of docs/protocol.md: the .sqm header's crc32 field. */
static uint32_t file_crc(const char *path)
{
	uint32_t id = 0;
	sq_err err;
	if (sq_device_file_model_id(path, &id, &err))
		fprintf(stderr, "%s\n", err.msg);
	return id;
}

/* Writes image i into the shadow (the "bitstream" contents). */
static void shadow_load_image(emu *e, int i)
{
	const sq_image *im = e->images[i];
	uint32_t P = e->cfg.P;
	memset(e->lt, 0, e->lt_n * 8);
	memset(e->rt, 0, e->rt_n * 8);
	memset(e->wm, 0, e->wm_n * 8);
	memset(e->pm, 0, e->pm_n * 8);
	for (uint32_t k = 0; k < im->n_layers; k++)
		e->lt[k] = im->lt[k];
	for (uint32_t k = 0; k < im->n_rounds; k++)
		e->rt[k] = sq_image_rt_word(im, k);
	for (size_t k = 0; k < (size_t)im->n_words * P; k++)
		e->wm[k] = im->wm[k];
	for (size_t k = 0; k < (size_t)im->n_rounds * P; k++)
		e->pm[k] = im->pm[k];
}

static bool shadow_matches(const emu *e, int i)
{
	const sq_image *im = e->images[i];
	uint32_t P = e->cfg.P;
	for (uint32_t k = 0; k < im->n_layers; k++)
		if (e->lt[k] != im->lt[k])
			return false;
	for (uint32_t k = 0; k < im->n_rounds; k++)
		if (e->rt[k] != sq_image_rt_word(im, k))
			return false;
	for (size_t k = 0; k < (size_t)im->n_words * P; k++)
		if (e->wm[k] != im->wm[k])
			return false;
	for (size_t k = 0; k < (size_t)im->n_rounds * P; k++)
		if (e->pm[k] != im->pm[k])
			return false;
	return true;
}

static bool chance_ppm(emu *e, uint32_t ppm)
{
	return ppm && sq_rng_below(&e->rng, 1000000) < ppm;
}

/* Sends bytes with the line faults applied. */
static int line_send(emu *e, int fd, const uint8_t *p, size_t n)
{
	uint8_t out[2 * SQ_LINK_MAX_WIRE + 32];
	size_t o = 0;
	if (e->garbage_pct && sq_rng_below(&e->rng, 100) < e->garbage_pct) {
		size_t g = 1 + (size_t)sq_rng_below(&e->rng, 24);
		for (size_t i = 0; i < g; i++)
			out[o++] = (uint8_t)sq_rng_u64(&e->rng);
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t b = p[i];
		if (chance_ppm(e, e->drop_ppm))
			continue;
		if (chance_ppm(e, e->flip_ppm))
			b ^= (uint8_t)(1u << sq_rng_below(&e->rng, 8));
		out[o++] = b;
	}
	size_t done = 0;
	while (done < o) {
		ssize_t w = write(fd, out + done, o - done);
		if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
			struct pollfd pf = {.fd = fd, .events = POLLOUT};
			poll(&pf, 1, 100);
			continue;
		}
		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

static void info_of(const emu *e, sq_link_info *in)
{
	memset(in, 0, sizeof(*in));
	in->P = (uint8_t)e->cfg.P;
	in->AW = (uint8_t)e->cfg.AW;
	in->WW = (uint8_t)e->cfg.WW;
	in->ACCW = (uint8_t)e->cfg.ACCW;
	in->MAXW = (uint16_t)e->cfg.MAXW;
	in->MAXL = (uint8_t)e->cfg.MAXL;
	in->LG_WD = (uint8_t)e->cfg.LG_WD;
	in->LG_RD = (uint8_t)e->cfg.LG_RD;
	in->in_dim = e->in_dim;
	in->out_dim = e->out_dim;
	in->model_id = e->model_id;
	in->build_id = 0xE3u;
	in->clk_hz = 12000000;
	in->baud = 1000000;
}

/* Serves one good request frame; fills the response. */
static void serve(emu *e, const sq_frame *q, sq_frame *r)
{
	r->type = (uint8_t)(q->type | SQ_LINK_RESP);
	r->seq = q->seq;
	switch (q->type) {
	case SQ_LINK_INFO: {
		sq_link_info in;
		if (q->len != 0)
			goto bad_len;
		info_of(e, &in);
		sq_link_info_encode(r, &in);
		return;
	}
	case SQ_LINK_INFER: {
		int32_t x[SQ_MAX_DIM], q32[SQ_LINK_MAX_OUT];
		int64_t qv[SQ_MAX_DIM];
		if (sq_link_infer_req_decode(q, e->in_dim, e->cfg.AW, x))
			goto bad_len;
		if (e->active < 0) {
			sq_link_error_encode(r, SQ_DEV_E_BUSY, q->type);
			return;
		}
		const sq_model *m = e->models[e->active];
		uint32_t amax = (1u << (m->q[0].abits_in - 1)) - 1;
		for (uint32_t i = 0; i < e->in_dim; i++)
			if (x[i] > (int32_t)amax || x[i] < -(int32_t)amax)
				x[i] = x[i] < 0 ? -(int32_t)amax : (int32_t)amax;
		uint32_t a = sq_golden_infer(m, x, qv, e->ws, NULL);
		for (uint32_t i = 0; i < e->out_dim; i++)
			q32[i] = (int32_t)qv[i];
		e->st.inferences++;
		e->st.last_cycles = (uint32_t)e->images[e->active]->cycles_bound + 20;
		sq_link_infer_resp_encode(r, (uint16_t)a, e->st.last_cycles, q32, e->out_dim);
		return;
	}
	case SQ_LINK_LOAD: {
		sq_link_load l;
		if (sq_link_load_decode(q, &l))
			goto bad_len;
		uint64_t *mem = NULL;
		size_t depth = 0, P = e->cfg.P;
		bool laned = l.mem >= 2;
		switch (l.mem) {
		case 0: mem = e->lt; depth = e->lt_n; break;
		case 1: mem = e->rt; depth = e->rt_n; break;
		case 2: mem = e->wm; depth = e->wm_n / P; break;
		case 3: mem = e->pm; depth = e->pm_n / P; break;
		}
		if (!mem || (laned && l.lane >= P) || (size_t)l.addr + l.count > depth) {
			sq_link_error_encode(r, SQ_DEV_E_TARGET, q->type);
			r->seq = q->seq;
			return;
		}
		for (unsigned i = 0; i < l.count; i++)
			mem[laned ? ((size_t)l.addr + i) * P + l.lane : (size_t)l.addr + i] = l.words[i];
		e->st.loads++;
		sq_link_status_encode(r, 0);
		return;
	}
	case SQ_LINK_COMMIT: {
		sq_link_commit c;
		if (sq_link_commit_decode(q, &c))
			goto bad_len;
		int found = -1;
		for (int i = 0; i < e->n_models && found < 0; i++)
			if (shadow_matches(e, i) && e->models[i]->dims[0] == c.in_dim &&
			    e->models[i]->dims[e->models[i]->n_layers] == c.out_dim)
				found = i;
		e->active = found;
		e->model_id = c.model_id;
		e->in_dim = c.in_dim;
		e->out_dim = c.out_dim;
		sq_link_status_encode(r, found < 0 ? 1 : 0);
		return;
	}
	case SQ_LINK_STATS: {
		if (q->len != 0)
			goto bad_len;
		e->st.frames_ok = e->parser.frames_ok;
		e->st.crc_errors = e->parser.crc_errors;
		e->st.framing_errors = e->parser.framing_errors;
		sq_link_stats_encode(r, &e->st);
		return;
	}
	case SQ_LINK_RESET:
		if (q->len != 0)
			goto bad_len;
		memset(&e->st, 0, sizeof(e->st));
		e->parser.frames_ok = e->parser.crc_errors = e->parser.framing_errors = 0;
		sq_link_status_encode(r, 0);
		return;
	default:
		sq_link_error_encode(r, SQ_DEV_E_TYPE, q->type);
		r->seq = q->seq;
		return;
	}
bad_len:
	sq_link_error_encode(r, SQ_DEV_E_LENGTH, q->type);
	r->seq = q->seq;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		die("socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	unlink(path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0)
		die("cannot listen on %s", path);
	return fd;
}

static int open_pty(const char *link)
{
	int fd = posix_openpt(O_RDWR | O_NOCTTY);
	struct termios tio;
	if (fd < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0)
		die("cannot open a pty for %s", link);
	tcgetattr(fd, &tio);
	cfmakeraw(&tio);
	tcsetattr(fd, TCSANOW, &tio);
	unlink(link);
	if (symlink(ptsname(fd), link) < 0)
		die("cannot link %s", link);
	return fd;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Serves one connection until it closes or a fault ends it. Returns 1 when
 * the device should vanish, 2 to exit, 0 when the peer closed. */
static int serve_conn(emu *e, int fd)
{
	uint8_t buf[1024], wire[SQ_LINK_MAX_WIRE];
	static sq_frame q, r;

	sq_frame_parser_init(&e->parser);
	while (!stop) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		int pr = poll(&pf, 1, 200);
		if (pr <= 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n < 0 && errno == EIO) { /* pty: no one has the slave open */
				sleep_ms(20);
				continue;
			}
			return 0;
		}
		for (ssize_t i = 0; i < n; i++) {
			uint8_t b = buf[i];
			if (chance_ppm(e, e->drop_ppm))
				continue;
			if (chance_ppm(e, e->flip_ppm))
				b ^= (uint8_t)(1u << sq_rng_below(&e->rng, 8));
			if (sq_frame_parser_push(&e->parser, b, &q) != SQ_FRAME_OK)
				continue;
			serve(e, &q, &r);
			int wn = sq_frame_encode(&r, wire, sizeof(wire));
			if (line_send(e, fd, wire, (size_t)wn) < 0)
				return 0;
			e->responses++;
			if (e->exit_after && e->responses >= e->exit_after)
				return 2;
			if (e->vanish_after && e->responses == e->vanish_after)
				return 1;
		}
	}
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", 1, 0, 's'}, {"pty", 1, 0, 't'}, {"model", 1, 0, 'm'},
		{"lanes", 1, 0, 'P'}, {"seed", 1, 0, 'S'}, {"flip", 1, 0, 'f'},
		{"drop", 1, 0, 'd'}, {"garbage", 1, 0, 'g'}, {"vanish-after", 1, 0, 'v'},
		{"vanish-ms", 1, 0, 'w'}, {"exit-after", 1, 0, 'x'}, {"ready", 1, 0, 'r'},
		{0, 0, 0, 0},
	};
	static emu e;
	const char *sock = NULL, *pty = NULL, *ready = NULL, *paths[MAX_MODELS];
	uint32_t P = 8;
	uint64_t seed = 1;
	int c;
	sq_err err;

	e.vanish_ms = 500;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 't': pty = optarg; break;
		case 'm':
			if (e.n_models == MAX_MODELS)
				die("at most 4 models (%s)", optarg);
			paths[e.n_models++] = optarg;
			break;
		case 'P': P = (uint32_t)atoi(optarg); break;
		case 'S': seed = strtoull(optarg, NULL, 10); break;
		case 'f': e.flip_ppm = (uint32_t)atoi(optarg); break;
		case 'd': e.drop_ppm = (uint32_t)atoi(optarg); break;
		case 'g': e.garbage_pct = (uint32_t)atoi(optarg); break;
		case 'v': e.vanish_after = atol(optarg); break;
		case 'w': e.vanish_ms = atol(optarg); break;
		case 'x': e.exit_after = atol(optarg); break;
		case 'r': ready = optarg; break;
		default: return 2;
		}
	}
	if (!!sock == !!pty || e.n_models == 0)
		die("usage: sq-emu --socket PATH|--pty LINK --model A.sqm [...]");
	sq_rng_seed(&e.rng, seed);
	sq_hwcfg_default(&e.cfg, P);
	e.lt_n = e.cfg.MAXL;
	e.rt_n = (size_t)1 << e.cfg.LG_RD;
	e.wm_n = ((size_t)1 << e.cfg.LG_WD) * P;
	e.pm_n = ((size_t)1 << e.cfg.LG_RD) * P;
	e.lt = calloc(e.lt_n, 8);
	e.rt = calloc(e.rt_n, 8);
	e.wm = calloc(e.wm_n, 8);
	e.pm = calloc(e.pm_n, 8);
	e.ws = malloc(sizeof(*e.ws));
	if (!e.lt || !e.rt || !e.wm || !e.pm || !e.ws)
		die("out of memory");
	for (int i = 0; i < e.n_models; i++) {
		if (sqm_read_file(paths[i], &e.models[i], &err))
			die("%s", err.msg);
		if (sq_export_image(e.models[i], &e.cfg, &e.images[i], &err))
			die("%s", err.msg);
		e.ids[i] = file_crc(paths[i]);
	}
	shadow_load_image(&e, 0);
	e.active = 0;
	e.model_id = e.ids[0];
	e.in_dim = (uint16_t)e.models[0]->dims[0];
	e.out_dim = (uint16_t)e.models[0]->dims[e.models[0]->n_layers];

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	int lfd = sock ? listen_on(sock) : -1;
	int pfd = pty ? open_pty(pty) : -1;
	if (ready) {
		FILE *f = fopen(ready, "w");
		if (f)
			fclose(f);
	}
	bool vanished = false;
	while (!stop) {
		int rc;
		if (pfd >= 0) {
			rc = serve_conn(&e, pfd);
		} else {
			struct pollfd pf = {.fd = lfd, .events = POLLIN};
			if (poll(&pf, 1, 200) <= 0)
				continue;
			int cfd = accept(lfd, NULL, NULL);
			if (cfd < 0)
				continue;
			rc = serve_conn(&e, cfd);
			close(cfd);
		}
		if (rc == 2)
			break;
		if (rc == 1 && !vanished) {
			vanished = true;
			if (lfd >= 0) {
				close(lfd);
				unlink(sock);
			}
			if (pfd >= 0) {
				close(pfd);
				unlink(pty);
			}
			sleep_ms(e.vanish_ms);
			if (sock)
				lfd = listen_on(sock);
			else
				pfd = open_pty(pty);
		}
	}
	if (lfd >= 0) {
		close(lfd);
		unlink(sock);
	}
	if (pfd >= 0) {
		close(pfd);
		unlink(pty);
	}
	for (int i = 0; i < e.n_models; i++) {
		sq_image_free(e.images[i]);
		sq_model_free(e.models[i]);
	}
	free(e.lt); free(e.rt); free(e.wm); free(e.pm); free(e.ws);
	return 0;
}
