/*
 * sparq_sim.cpp - sparq-sim, the board-level model: rtl/sparq_top.v in
 * Verilator behind a UNIX stream socket (the host transport `sim:PATH`).
 *
 * Bytes a client writes to the socket become UART bits on the model's rx pin,
 * cycle by cycle, at the modelled clock and baud (8N1, back to back, like an
 * FTDI bridge); bits from the tx pin are decoded at mid-bit and the bytes go
 * back to the client. Time is simulated time: every figure below is what a
 * board at --clk-hz and --baud would show, whatever the speed of this host.
 *
 * Built once per configuration (mk/link.mk): the clock, baud and core
 * parameters are compiled in; --clk-hz and --baud must name them.
 *
 * Faults on the simulated line (for the host's tests), drawn from --seed:
 *   --flip P     each bit on the wire (both directions) inverted with prob. P
 *   --drop P     each byte lost with probability P (both directions)
 *   --garbage P  before each byte, a random byte inserted with probability P
 *   --vanish N   the device goes away (the connection is closed) after it has
 *                received N bytes from the host; then it listens again, or
 *                exits with --vanish-exit
 *
 * It reports the device-side latency per request (--log: one line each) and a
 * summary on exit, on SIGUSR1, and as JSON with --stats FILE (written
 * atomically at exit).
 */
#include "Vsparq_top.h"
#include "verilated.h"

extern "C" {
#include "sqm.h"
#include "export.h"
#include "link_frame.h"
#include "link_proto.h"
}

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SIM_CLK_HZ
#define SIM_CLK_HZ 12000000
#endif
#ifndef SIM_BAUD
#define SIM_BAUD 1000000
#endif
#ifndef SIM_P
#define SIM_P 8
#endif
#ifndef SIM_CORE
#define SIM_CORE "sq_core"
#endif

static volatile sig_atomic_t g_stop, g_report;
static void on_stop(int) { g_stop = 1; }
static void on_usr1(int) { g_report = 1; }

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("sparq-sim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* xorshift64*: the fault generator (independent of the host's streams). */
struct Rng {
	uint64_t s;
	explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
	uint64_t next() { s ^= s >> 12; s ^= s << 25; s ^= s >> 27; return s * 2685821657736338717ull; }
	double uniform() { return (double)(next() >> 11) * (1.0 / 9007199254740992.0); }
	bool chance(double p) { return p > 0 && uniform() < p; }
};

struct Opts {
	const char *sock = nullptr;
	uint64_t clk_hz = SIM_CLK_HZ, baud = SIM_BAUD;
	const char *model = nullptr;
	double flip = 0, drop = 0, garbage = 0;
	long long vanish = -1;
	bool vanish_exit = false;
	uint64_t seed = 1;
	bool log = false;
	const char *stats = nullptr;
	uint64_t max_cycles = 0;   /* 0: no limit */
};

/* A request seen on the line, waiting for its response. */
struct Pending {
	uint64_t t_start, t_end;
	uint32_t bytes_in;
	uint8_t type;
};

struct Sample {
	double dev_us, total_us;
};

class Board {
public:
	Board(const Opts &o) : o_(o), rng_(o.seed)
	{
		top_ = new Vsparq_top;
		top_->i_clk = 0;
		top_->i_rst = 0;
		top_->i_uart_rx = 1;
		top_->eval();
		sq_frame_parser_init(&req_parser_);
		sq_frame_parser_init(&rsp_parser_);
		for (int i = 0; i < 64; i++)
			step();
	}
	~Board() { top_->final(); delete top_; }

	uint64_t cycles() const { return cyc_; }
	bool line_idle() const { return rx_bit_ < 0 && in_.empty() && tx_state_ == 0; }
	uint64_t quiet_since() const { return last_activity_; }
	/* every request seen on the line has had its response */
	bool answered() const { return pending_.empty(); }

	/* Bytes from the host: faults, then onto the rx line. */
	void host_bytes(const uint8_t *p, size_t n, bool faults)
	{
		for (size_t i = 0; i < n; i++) {
			if (faults && rng_.chance(o_.garbage))
				in_.push_back({(uint8_t)rng_.next(), true});
			if (faults && rng_.chance(o_.drop))
				continue;
			in_.push_back({p[i], faults});
		}
	}
	/* Bytes decoded from the tx pin, for the host. */
	std::vector<uint8_t> &out() { return out_; }

	void step()
	{
		drive_rx();
		top_->i_clk = 0;
		top_->eval();
		top_->i_clk = 1;
		top_->eval();
		cyc_++;
		sample_tx();
	}

	void report(FILE *f) const;
	void write_stats(const char *path) const;

	std::vector<Sample> samples;
	uint64_t bytes_to_dev = 0, bytes_from_dev = 0, requests = 0, responses = 0;
	uint64_t rx_garbled = 0;

private:
	struct InByte { uint8_t b; bool faults; };
	const Opts &o_;
	Rng rng_;
	Vsparq_top *top_;
	uint64_t cyc_ = 0, last_activity_ = 0;

	/* host -> device serializer */
	std::deque<InByte> in_;
	int rx_bit_ = -1;        /* -1 idle, else the bit on the wire (0 start .. 9 stop) */
	uint64_t rx_t0_ = 0;
	uint8_t rx_bits_[10];
	uint8_t rx_byte_ = 0;
	uint64_t req_t0_ = 0;    /* first bit of the current request */
	bool req_open_ = false;
	sq_frame_parser req_parser_;
	std::map<uint8_t, Pending> pending_;

	/* device -> host decoder */
	int tx_state_ = 0;       /* 0 idle, 1 in a byte, 2 waiting for the line to go high */
	uint64_t tx_t0_ = 0;
	int tx_k_ = 0;
	uint16_t tx_sh_ = 0;
	uint64_t rsp_t0_ = 0;    /* start bit of the response's first byte */
	bool rsp_open_ = false;
	sq_frame_parser rsp_parser_;
	std::vector<uint8_t> out_;

	uint64_t edge(int k) const { return ((uint64_t)k * o_.clk_hz + o_.baud / 2) / o_.baud; }
	uint64_t mid(int k) const { return ((uint64_t)(2 * k + 1) * o_.clk_hz + o_.baud) / (2 * o_.baud); }

	void drive_rx()
	{
		if (rx_bit_ >= 0) {
			while (rx_bit_ < 10 && cyc_ >= rx_t0_ + edge(rx_bit_ + 1))
				rx_bit_++;
			if (rx_bit_ == 10) {
				rx_bit_ = -1;
				on_byte_sent(rx_byte_);
			}
		}
		if (rx_bit_ < 0 && !in_.empty()) {
			InByte ib = in_.front();
			in_.pop_front();
			rx_byte_ = ib.b;
			rx_bits_[0] = 0;
			for (int k = 0; k < 8; k++)
				rx_bits_[1 + k] = (ib.b >> k) & 1;
			rx_bits_[9] = 1;
			if (ib.faults)
				for (int k = 0; k < 10; k++)
					if (rng_.chance(o_.flip)) {
						rx_bits_[k] ^= 1;
						rx_garbled++;
					}
			rx_bit_ = 0;
			rx_t0_ = cyc_;
			if (!req_open_) {
				req_t0_ = cyc_;
				req_open_ = true;
			}
		}
		top_->i_uart_rx = rx_bit_ < 0 ? 1 : rx_bits_[rx_bit_];
		if (rx_bit_ >= 0)
			last_activity_ = cyc_;
	}

	/* A byte has left the host side of the line completely. */
	void on_byte_sent(uint8_t b)
	{
		sq_frame fr;
		bytes_to_dev++;
		int ev = sq_frame_parser_push(&req_parser_, b, &fr);
		if (ev == SQ_FRAME_OK) {
			Pending p;
			p.t_start = req_t0_;
			p.t_end = cyc_;
			p.bytes_in = 0;
			p.type = fr.type;
			pending_[fr.seq] = p;
			requests++;
		}
		if (b == SQ_SLIP_END && req_parser_.n == 0 && ev != SQ_FRAME_NONE)
			req_open_ = false;
	}

	void sample_tx()
	{
		uint8_t pin = top_->o_uart_tx & 1;
		switch (tx_state_) {
		case 0:
			if (!pin) {
				tx_state_ = 1;
				tx_t0_ = cyc_ - 1;   /* the edge fell during the last cycle */
				tx_k_ = 0;
				tx_sh_ = 0;
				last_activity_ = cyc_;
			}
			break;
		case 1:
			last_activity_ = cyc_;
			if (cyc_ >= tx_t0_ + mid(tx_k_)) {
				tx_sh_ |= (uint16_t)pin << tx_k_;
				if (tx_k_ == 0 && pin) {
					tx_state_ = 0;       /* false start */
				} else if (tx_k_ == 9) {
					if (pin)
						on_byte_received((uint8_t)(tx_sh_ >> 1));
					tx_state_ = pin ? 0 : 2;
				} else
					tx_k_++;
			}
			break;
		default:
			if (pin)
				tx_state_ = 0;
		}
	}

	void on_byte_received(uint8_t b)
	{
		sq_frame fr;
		bytes_from_dev++;
		if (!rsp_open_) {
			rsp_open_ = true;
			rsp_t0_ = tx_t0_;
		}
		int ev = sq_frame_parser_push(&rsp_parser_, b, &fr);
		if (ev == SQ_FRAME_OK) {
			responses++;
			auto it = pending_.find(fr.seq);
			if (it != pending_.end()) {
				const Pending &p = it->second;
				Sample s;
				s.dev_us = (double)(rsp_t0_ - p.t_end) * 1e6 / (double)o_.clk_hz;
				s.total_us = (double)(cyc_ - p.t_start) * 1e6 / (double)o_.clk_hz;
				samples.push_back(s);
				if (o_.log)
					fprintf(stderr,
						"sparq-sim: request type 0x%02x seq %u -> 0x%02x len %u: "
						"device %.2f us, round trip on the wire %.2f us (%llu cycles)\n",
						p.type, fr.seq, fr.type, fr.len, s.dev_us, s.total_us,
						(unsigned long long)(cyc_ - p.t_start));
				pending_.erase(it);
			}
		}
		if (b == SQ_SLIP_END && ev != SQ_FRAME_NONE)
			rsp_open_ = false;
		/* faults on the way back */
		if (rng_.chance(o_.garbage))
			out_.push_back((uint8_t)rng_.next());
		if (rng_.chance(o_.drop))
			return;
		for (int k = 0; k < 8; k++)
			if (rng_.chance(o_.flip))
				b ^= (uint8_t)(1u << k);
		out_.push_back(b);
	}
};

static double pct(std::vector<double> v, double p)
{
	if (v.empty())
		return 0;
	std::sort(v.begin(), v.end());
	size_t i = (size_t)(p * (double)(v.size() - 1) + 0.5);
	return v[i];
}

void Board::report(FILE *f) const
{
	std::vector<double> dev, tot;
	for (const Sample &s : samples) {
		dev.push_back(s.dev_us);
		tot.push_back(s.total_us);
	}
	fprintf(f,
		"sparq-sim: %llu cycles (%.3f s at %llu Hz, %llu baud): %llu requests, "
		"%llu responses, %llu bytes in, %llu bytes out; device latency p50 %.2f us "
		"p99 %.2f us; round trip on the wire p50 %.2f us p99 %.2f us\n",
		(unsigned long long)cyc_, (double)cyc_ / (double)o_.clk_hz,
		(unsigned long long)o_.clk_hz, (unsigned long long)o_.baud,
		(unsigned long long)requests, (unsigned long long)responses,
		(unsigned long long)bytes_to_dev, (unsigned long long)bytes_from_dev,
		pct(dev, 0.5), pct(dev, 0.99), pct(tot, 0.5), pct(tot, 0.99));
}

void Board::write_stats(const char *path) const
{
	std::vector<double> dev, tot;
	for (const Sample &s : samples) {
		dev.push_back(s.dev_us);
		tot.push_back(s.total_us);
	}
	std::string tmp = std::string(path) + ".tmp";
	FILE *f = fopen(tmp.c_str(), "w");
	if (!f) {
		fprintf(stderr, "sparq-sim: %s: %s\n", tmp.c_str(), strerror(errno));
		return;
	}
	fprintf(f,
		"{\"clk_hz\": %llu, \"baud\": %llu, \"P\": %d, \"cycles\": %llu, "
		"\"requests\": %llu, \"responses\": %llu, \"bytes_in\": %llu, \"bytes_out\": %llu, "
		"\"device_us_p50\": %.3f, \"device_us_p99\": %.3f, \"device_us_max\": %.3f, "
		"\"wire_rtt_us_p50\": %.3f, \"wire_rtt_us_p99\": %.3f, \"wire_rtt_us_max\": %.3f}\n",
		(unsigned long long)o_.clk_hz, (unsigned long long)o_.baud, SIM_P,
		(unsigned long long)cyc_, (unsigned long long)requests,
		(unsigned long long)responses, (unsigned long long)bytes_to_dev,
		(unsigned long long)bytes_from_dev, pct(dev, 0.5), pct(dev, 0.99),
		pct(dev, 1.0), pct(tot, 0.5), pct(tot, 0.99), pct(tot, 1.0));
	if (fclose(f) != 0 || rename(tmp.c_str(), path) != 0)
		fprintf(stderr, "sparq-sim: %s: %s\n", path, strerror(errno));
}

/* ---- model preload through the link ------------------------------------- */

static uint8_t g_seq;

/* Sends one request through the UART model and waits for its response. */
static void transact(Board &b, const sq_frame *req, sq_frame *rsp)
{
	uint8_t wire[SQ_LINK_MAX_WIRE];
	int n = sq_frame_encode(req, wire, sizeof(wire));
	if (n < 0)
		die("internal: frame too long");
	b.host_bytes(wire, (size_t)n, false);
	sq_frame_parser ps;
	sq_frame_parser_init(&ps);
	uint64_t limit = b.cycles() + 50000000ull;
	size_t used = 0;
	while (b.cycles() < limit) {
		b.step();
		std::vector<uint8_t> &o = b.out();
		while (used < o.size()) {
			if (sq_frame_parser_push(&ps, o[used++], rsp) == SQ_FRAME_OK &&
			    rsp->seq == req->seq) {
				o.clear();
				return;
			}
		}
	}
	die("preload: no response to request type 0x%02x seq %u", req->type, req->seq);
}

static void expect_status(const sq_frame *rsp, uint8_t type, const char *what)
{
	uint8_t st = 1, code = 0, rt = 0;
	if (rsp->type == SQ_LINK_ERROR && sq_link_error_decode(rsp, &code, &rt) == 0)
		die("preload: %s: device answered ERROR %u", what, code);
	if (rsp->type != (type | SQ_LINK_RESP) || sq_link_status_decode(rsp, &st) != 0 || st != 0)
		die("preload: %s: bad answer (type 0x%02x, len %u)", what, rsp->type, rsp->len);
}

static void load_words(Board &b, uint8_t mem, uint8_t lane, const uint64_t *w, uint32_t n,
		       uint32_t stride)
{
	for (uint32_t a = 0; a < n; a += SQ_LINK_LOAD_MAX) {
		sq_link_load l;
		sq_frame req, rsp;
		memset(&l, 0, sizeof(l));
		l.mem = mem;
		l.lane = lane;
		l.addr = (uint16_t)a;
		l.count = (uint8_t)std::min<uint32_t>(n - a, SQ_LINK_LOAD_MAX);
		for (uint32_t i = 0; i < l.count; i++)
			l.words[i] = w[(size_t)(a + i) * stride];
		req.type = SQ_LINK_LOAD;
		req.seq = g_seq++;
		if (sq_link_load_encode(&req, &l) != 0)
			die("internal: LOAD encode");
		transact(b, &req, &rsp);
		expect_status(&rsp, SQ_LINK_LOAD, "LOAD");
	}
}

static void preload(Board &b, const char *path)
{
	sq_err err;
	sq_model *m = NULL;
	sq_image *img = NULL;
	sq_frame req, rsp;
	sq_link_info info;

	if (sqm_read_file(path, &m, &err) != 0)
		die("%s", err.msg);
	/* the configuration comes from the device itself */
	req.type = SQ_LINK_INFO;
	req.seq = g_seq++;
	req.len = 0;
	transact(b, &req, &rsp);
	if (rsp.type != (SQ_LINK_INFO | SQ_LINK_RESP) || sq_link_info_decode(&rsp, &info) != 0)
		die("preload: bad INFO answer (type 0x%02x, len %u)", rsp.type, rsp.len);
	sq_hwcfg c = {info.P, info.AW, info.WW, info.ACCW, info.MAXW, info.MAXL,
		      info.LG_WD, info.LG_RD};
	if (sq_export_image(m, &c, &img, &err) != 0)
		die("%s: %s", path, err.msg);
	uint64_t cyc0 = b.cycles();
	load_words(b, 0, 0, img->lt, img->n_layers, 1);
	std::vector<uint64_t> rt(img->n_rounds);
	for (uint32_t k = 0; k < img->n_rounds; k++)
		rt[k] = sq_image_rt_word(img, k);
	load_words(b, 1, 0, rt.data(), img->n_rounds, 1);
	std::vector<uint64_t> w(img->n_words);
	for (uint32_t p = 0; p < c.P; p++) {
		for (uint32_t k = 0; k < img->n_words; k++)
			w[k] = img->wm[(size_t)k * c.P + p];
		load_words(b, 2, (uint8_t)p, w.data(), img->n_words, 1);
	}
	for (uint32_t p = 0; p < c.P; p++)
		load_words(b, 3, (uint8_t)p, img->pm + p, img->n_rounds, c.P);

	/* model id: the .sqm file's CRC-32 field (docs/protocol.md, COMMIT) */
	uint8_t hdr[16];
	FILE *f = fopen(path, "rb");
	if (!f || fread(hdr, 1, sizeof(hdr), f) != sizeof(hdr))
		die("%s: cannot read the header", path);
	fclose(f);
	sq_link_commit cm;
	cm.model_id = sq_get_u32(hdr + 12);
	cm.in_dim = (uint16_t)m->dims[0];
	cm.out_dim = (uint16_t)m->dims[m->n_layers];
	req.type = SQ_LINK_COMMIT;
	req.seq = g_seq++;
	sq_link_commit_encode(&req, &cm);
	transact(b, &req, &rsp);
	expect_status(&rsp, SQ_LINK_COMMIT, "COMMIT");
	/* clear the counters so the host sees its own traffic only */
	req.type = SQ_LINK_RESET;
	req.seq = g_seq++;
	req.len = 0;
	transact(b, &req, &rsp);
	expect_status(&rsp, SQ_LINK_RESET, "RESET");
	fprintf(stderr, "sparq-sim: loaded %s (model id 0x%08x, %u-%u, %u weight words) in %.1f ms of link time\n",
		path, cm.model_id, cm.in_dim, cm.out_dim, img->n_words,
		(double)(b.cycles() - cyc0) * 1e3 / (double)SIM_CLK_HZ);
	sq_image_free(img);
	sq_model_free(m);
	b.samples.clear();
	b.requests = b.responses = b.bytes_to_dev = b.bytes_from_dev = 0;
}

/* ---- socket ---------------------------------------------------------------- */

static int listen_on(const char *path)
{
	struct sockaddr_un sa;
	std::string tmp = std::string(path) + ".new";
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (tmp.size() >= sizeof(sa.sun_path))
		die("socket path %s: longer than %zu bytes", path, sizeof(sa.sun_path) - 5);
	memcpy(sa.sun_path, tmp.c_str(), tmp.size() + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	unlink(tmp.c_str());
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind %s: %s", tmp.c_str(), strerror(errno));
	if (listen(fd, 8) < 0)
		die("listen %s: %s", path, strerror(errno));
	/* appear complete: a client never finds a socket that refuses */
	if (rename(tmp.c_str(), path) < 0)
		die("rename %s -> %s: %s", tmp.c_str(), path, strerror(errno));
	return fd;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sparq-sim [options] SOCKET\n"
		"  the board-level model of sparq_top (" SIM_CORE ", P=%d) at %d Hz, %d baud\n"
		"  --clk-hz HZ     must be %d (built in; rebuild for another)\n"
		"  --baud B        must be %d (built in)\n"
		"  --model M.sqm   load a model through LOAD/COMMIT frames before serving\n"
		"  --flip P        flip each bit on the line with probability P\n"
		"  --drop P        drop each byte with probability P\n"
		"  --garbage P     insert a random byte before each byte with probability P\n"
		"  --vanish N      close the connection after N bytes from the host\n"
		"  --vanish-exit   ... and exit (the device is gone for good)\n"
		"  --seed S        seed of the fault generator (default 1)\n"
		"  --max-cycles N  exit after N simulated cycles\n"
		"  --log           one line per request with its latency\n"
		"  --stats FILE    write the latency summary as JSON at exit\n",
		SIM_P, SIM_CLK_HZ, SIM_BAUD, SIM_CLK_HZ, SIM_BAUD);
}

static double parse_p(const char *opt, const char *v)
{
	char *end;
	double p = strtod(v, &end);
	if (*end || !(p >= 0 && p <= 1))
		die("%s: '%s' is not a probability in 0..1", opt, v);
	return p;
}

static unsigned long long parse_u(const char *opt, const char *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (*end || !*v || errno || v[0] == '-')
		die("%s: '%s' is not a nonnegative integer", opt, v);
	return x;
}

int main(int argc, char **argv)
{
	Opts o;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		auto val = [&](void) -> const char * {
			if (i + 1 >= argc)
				die("%s needs a value", a.c_str());
			return argv[++i];
		};
		if (a == "--help" || a == "-h") {
			usage(stdout);
			return 0;
		} else if (a == "--clk-hz") o.clk_hz = parse_u("--clk-hz", val());
		else if (a == "--baud") o.baud = parse_u("--baud", val());
		else if (a == "--model") o.model = val();
		else if (a == "--flip") o.flip = parse_p("--flip", val());
		else if (a == "--drop") o.drop = parse_p("--drop", val());
		else if (a == "--garbage") o.garbage = parse_p("--garbage", val());
		else if (a == "--vanish") o.vanish = (long long)parse_u("--vanish", val());
		else if (a == "--vanish-exit") o.vanish_exit = true;
		else if (a == "--seed") o.seed = parse_u("--seed", val());
		else if (a == "--max-cycles") o.max_cycles = parse_u("--max-cycles", val());
		else if (a == "--log") o.log = true;
		else if (a == "--stats") o.stats = val();
		else if (a[0] == '-') {
			usage(stderr);
			die("unknown option %s", a.c_str());
		} else if (!o.sock)
			o.sock = argv[i];
		else
			die("one socket path only (got %s and %s)", o.sock, argv[i]);
	}
	if (!o.sock) {
		usage(stderr);
		die("no socket path");
	}
	if (o.clk_hz != SIM_CLK_HZ || o.baud != SIM_BAUD)
		die("this build models %d Hz and %d baud, not %llu Hz and %llu baud "
		    "(make sparq-sim SIM_CLK_HZ=%llu SIM_BAUD=%llu)",
		    SIM_CLK_HZ, SIM_BAUD, (unsigned long long)o.clk_hz,
		    (unsigned long long)o.baud, (unsigned long long)o.clk_hz,
		    (unsigned long long)o.baud);

	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	signal(SIGUSR1, on_usr1);

	Verilated::commandArgs(1, argv);
	Board b(o);
	if (o.model)
		preload(b, o.model);
	int lfd = listen_on(o.sock);
	fprintf(stderr, "sparq-sim: listening on %s (%s, P=%d, %d Hz, %d baud)\n", o.sock,
		SIM_CORE, SIM_P, SIM_CLK_HZ, SIM_BAUD);

	const uint64_t byte_cycles = 10 * o.clk_hz / o.baud + 1;
	const uint64_t quiet = std::max<uint64_t>(200000, 64 * byte_cycles);
	int cfd = -1;
	long long from_host = 0;
	bool vanished = false;
	std::vector<uint8_t> sendq;
	uint8_t buf[4096];

	while (!g_stop) {
		if (g_report) {
			g_report = 0;
			b.report(stderr);
		}
		if (o.max_cycles && b.cycles() >= o.max_cycles)
			break;
		if (cfd < 0) {
			struct pollfd pf = {lfd, POLLIN, 0};
			int r = poll(&pf, 1, b.line_idle() ? 200 : 0);
			if (r > 0) {
				cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
				if (cfd >= 0 && o.log)
					fprintf(stderr, "sparq-sim: client connected\n");
			}
			if (cfd < 0 && b.line_idle())
				continue;
		}
		if (cfd >= 0) {
			/* The device has answered everything and the line is quiet: wait
			 * for the host without simulating (simulated time stands still,
			 * as nothing happens on the board but its heartbeat). Otherwise
			 * only peek, unless nothing has moved for a long time. */
			bool idle = b.line_idle() && sendq.empty() && b.out().empty() &&
				    (b.answered() || b.cycles() - b.quiet_since() > quiet);
			struct pollfd pf = {cfd, POLLIN, 0};
			int r = poll(&pf, 1, idle ? 50 : 0);
			if (r == 0 && idle)
				continue;
			if (r > 0) {
				ssize_t n = recv(cfd, buf, sizeof(buf), 0);
				if (n > 0) {
					size_t take = (size_t)n;
					if (o.vanish >= 0 && !vanished && from_host + n >= o.vanish)
						take = (size_t)(o.vanish - from_host);
					b.host_bytes(buf, take, true);
					from_host += (long long)take;
					if (o.vanish >= 0 && !vanished && from_host >= o.vanish) {
						fprintf(stderr, "sparq-sim: vanishing after %lld bytes from the host\n",
							from_host);
						vanished = true;
						close(cfd);
						cfd = -1;
						sendq.clear();
						if (o.vanish_exit)
							break;
						continue;
					}
				} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
					if (o.log)
						fprintf(stderr, "sparq-sim: client went away\n");
					close(cfd);
					cfd = -1;
					sendq.clear();
					continue;
				}
			}
		}
		/* one byte time of simulation, then the output */
		for (uint64_t i = 0; i < byte_cycles; i++)
			b.step();
		if (cfd >= 0) {
			std::vector<uint8_t> &out = b.out();
			sendq.insert(sendq.end(), out.begin(), out.end());
			out.clear();
			if (!sendq.empty()) {
				ssize_t n = send(cfd, sendq.data(), sendq.size(), MSG_NOSIGNAL);
				if (n > 0)
					sendq.erase(sendq.begin(), sendq.begin() + n);
				else if (n < 0 && errno != EAGAIN && errno != EINTR) {
					close(cfd);
					cfd = -1;
					sendq.clear();
				}
			}
		} else
			b.out().clear();
	}
	if (cfd >= 0)
		close(cfd);
	close(lfd);
	unlink(o.sock);
	b.report(stderr);
	if (o.stats)
		b.write_stats(o.stats);
	return 0;
}
