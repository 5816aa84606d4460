/*
 * test_hil_link.c - the host's link stack (device.c, transports, device_load.c)
 * against the device emulator (sq-emu.c) with faults on the line. The
 * reference is the golden model, run here on the same inputs: every action
 * the host accepts must equal it, whatever the line does.
 *
 * Needs HIL_BIN (the folder holding sq-emu and mkmodel) and SPARQD (the
 * daemon to test) in the environment.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crc32.h"
#include "device.h"
#include "golden.h"
#include "rng.h"
#include "sqm.h"
#include "testlib.h"

static char dir[64], model_a[128], model_b[128];
static const char *bin, *sparqd_bin;
static sq_model *ma, *mb;
static sq_golden_ws ws;

static void msleep(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Starts sq-emu with extra args (NULL-terminated); waits for it to listen. */
static pid_t emu_start(const char *where_opt, const char *where, const char *const *extra)
{
	char ready[128], exe[256];
	const char *argv[32];
	int n = 0;
	snprintf(ready, sizeof(ready), "%s/ready", dir);
	snprintf(exe, sizeof(exe), "%s/sq-emu", bin);
	unlink(ready);
	argv[n++] = exe;
	argv[n++] = where_opt;
	argv[n++] = where;
	argv[n++] = "--model";
	argv[n++] = model_a;
	argv[n++] = "--model";
	argv[n++] = model_b;
	argv[n++] = "--ready";
	argv[n++] = ready;
	for (int i = 0; extra && extra[i]; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		if (access(ready, F_OK) == 0)
			return pid;
		msleep(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

static void emu_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

/* n inferences of random inputs; counts divergences from the golden model of
 * m. Returns the first error code (0 if none). */
static int run_infers(sq_device *d, const sq_model *m, int n, uint64_t seed, int *diverged,
		      int *done, sq_err *err)
{
	sq_rng r;
	int32_t x[SQ_MAX_DIM], q[SQ_LINK_MAX_OUT];
	int64_t qv[SQ_MAX_DIM];
	int amax = (1 << (m->q[0].abits_in - 1)) - 1;
	sq_rng_seed(&r, seed);
	*diverged = *done = 0;
	for (int i = 0; i < n; i++) {
		uint16_t a;
		uint32_t cyc;
		for (uint32_t k = 0; k < m->dims[0]; k++)
			x[k] = (int32_t)sq_rng_range(&r, -amax, amax);
		int rc = sq_device_infer(d, x, &a, &cyc, q, err);
		if (rc)
			return rc;
		uint32_t g = sq_golden_infer(m, x, qv, &ws, NULL);
		if (a != g || q[0] != (int32_t)qv[0] || q[1] != (int32_t)qv[1])
			(*diverged)++;
		(*done)++;
	}
	return 0;
}

static int t_clean_line(void)
{
	char sock[128];
	snprintf(sock, sizeof(sock), "%s/dev.sock", dir);
	pid_t pid = emu_start("--socket", sock, NULL);
	CHECK(pid > 0);
	char spec[160];
	snprintf(spec, sizeof(spec), "sim:%s", sock);
	sq_device *d;
	sq_err err;
	int rc = sq_device_open(spec, NULL, &d, &err);
	CHECKF(rc == 0, "%s", err.msg);
	const sq_link_info *in = sq_device_get_info(d);
	CHECK(in->in_dim == 4 && in->out_dim == 2 && in->P == 8 && in->AW == 8);
	int div, done;
	rc = run_infers(d, ma, 500, 1, &div, &done, &err);
	sq_device_counters c = *sq_device_get_counters(d);
	sq_link_stats st;
	CHECK(sq_device_stats(d, &st, &err) == 0);
	sq_device_close(d);
	emu_stop(pid);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(done == 500 && div == 0);
	CHECK(c.retransmits == 0);
	CHECK(st.inferences == 500 && st.crc_errors == 0);
	return 0;
}

/* Flipped bits, dropped bytes and garbage both ways: never a wrong action. */
static int t_faults_never_wrong(void)
{
	char sock[128], spec[160];
	snprintf(sock, sizeof(sock), "%s/faulty.sock", dir);
	const char *extra[] = {"--flip", "3000", "--drop", "3000", "--garbage", "20",
			       "--seed", "5", NULL};
	pid_t pid = emu_start("--socket", sock, extra);
	CHECK(pid > 0);
	snprintf(spec, sizeof(spec), "sim:%s", sock);
	sq_device_opts o;
	sq_device_opts_default(&o);
	o.timeout_ms = 50;
	o.retries = 20;
	sq_device *d;
	sq_err err;
	int rc = sq_device_open(spec, &o, &d, &err);
	CHECKF(rc == 0, "%s", err.msg);
	int div, done;
	rc = run_infers(d, ma, 1000, 2, &div, &done, &err);
	sq_device_counters c = *sq_device_get_counters(d);
	sq_device_close(d);
	emu_stop(pid);
	CHECKF(rc == 0, "after %d: %s", done, err.msg);
	CHECKF(div == 0, "%d wrong actions accepted", div);
	CHECK(done == 1000);
	/* the faults did happen and were handled */
	CHECKF(c.retransmits > 10 && c.crc_errors + c.framing_errors > 10,
	       "retransmits %llu crc %llu framing %llu", (unsigned long long)c.retransmits,
	       (unsigned long long)c.crc_errors, (unsigned long long)c.framing_errors);
	printf("  faults: %llu retransmits, %llu crc, %llu framing, %llu timeouts, %llu stale\n",
	       (unsigned long long)c.retransmits, (unsigned long long)c.crc_errors,
	       (unsigned long long)c.framing_errors, (unsigned long long)c.timeouts,
	       (unsigned long long)c.stale);
	return 0;
}

/* A device that goes away for 300 ms mid-run: the host reconnects. */
static int t_vanish_and_return(void)
{
	char sock[128], spec[160];
	snprintf(sock, sizeof(sock), "%s/vanish.sock", dir);
	const char *extra[] = {"--vanish-after", "60", "--vanish-ms", "300", NULL};
	pid_t pid = emu_start("--socket", sock, extra);
	CHECK(pid > 0);
	snprintf(spec, sizeof(spec), "sim:%s", sock);
	sq_device *d;
	sq_err err;
	int rc = sq_device_open(spec, NULL, &d, &err);
	CHECKF(rc == 0, "%s", err.msg);
	int div, done;
	rc = run_infers(d, ma, 200, 3, &div, &done, &err);
	sq_device_counters c = *sq_device_get_counters(d);
	sq_device_close(d);
	emu_stop(pid);
	CHECKF(rc == 0, "after %d: %s", done, err.msg);
	CHECK(div == 0 && done == 200);
	CHECKF(c.losses == 1 && c.reconnects == 1, "losses %llu reconnects %llu",
	       (unsigned long long)c.losses, (unsigned long long)c.reconnects);
	return 0;
}

/* A device that dies for good: a clear error, within the reconnect budget. */
static int t_gone_for_good(void)
{
	char sock[128], spec[160];
	snprintf(sock, sizeof(sock), "%s/dies.sock", dir);
	const char *extra[] = {"--exit-after", "40", NULL};
	pid_t pid = emu_start("--socket", sock, extra);
	CHECK(pid > 0);
	snprintf(spec, sizeof(spec), "sim:%s", sock);
	sq_device_opts o;
	sq_device_opts_default(&o);
	o.reconnect_ms = 400;
	sq_device *d;
	sq_err err;
	int rc = sq_device_open(spec, &o, &d, &err);
	CHECKF(rc == 0, "%s", err.msg);
	int div, done;
	int64_t t0 = sq_now_ms();
	rc = run_infers(d, ma, 100, 4, &div, &done, &err);
	int64_t dt = sq_now_ms() - t0;
	sq_device_close(d);
	emu_stop(pid);
	CHECK(rc == SQ_LINK_E_GONE);
	CHECK(done == 39 && div == 0); /* INFO took one response */
	CHECK(strstr(err.msg, "gone") != NULL);
	CHECKF(dt < 2000, "took %lld ms", (long long)dt);
	return 0;
}

static int t_no_device(void)
{
	sq_device *d;
	sq_err err;
	char spec[160];
	snprintf(spec, sizeof(spec), "sim:%s/nothing.sock", dir);
	CHECK(sq_device_open(spec, NULL, &d, &err) == SQ_LINK_E_NODEV);
	CHECK(strstr(err.msg, "nothing.sock") != NULL);
	CHECK(sq_device_open("tty:/dev/nonexistent-tty", NULL, &d, &err) == SQ_LINK_E_NODEV);
	CHECK(sq_device_open("usb:0403:6010", NULL, &d, &err) == SQ_LINK_E_NODEV);
	CHECK(strstr(err.msg, "sparqd") != NULL); /* not built into libsparq users */
	CHECK(sq_device_open("bogus", NULL, &d, &err) == SQ_LINK_E_NODEV);
	return 0;
}

/* The tty transport over a pty, the way a USB serial bridge appears. */
static int t_tty_pty(void)
{
	char link[128], spec[160];
	snprintf(link, sizeof(link), "%s/ttyEMU", dir);
	pid_t pid = emu_start("--pty", link, NULL);
	CHECK(pid > 0);
	snprintf(spec, sizeof(spec), "tty:%s@1000000", link);
	sq_device *d;
	sq_err err;
	int rc = sq_device_open(spec, NULL, &d, &err);
	CHECKF(rc == 0, "%s", err.msg);
	int div, done;
	rc = run_infers(d, ma, 200, 6, &div, &done, &err);
	sq_device_close(d);
	emu_stop(pid);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(div == 0 && done == 200);
	return 0;
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

/* Runtime LOAD of model B over a faulty line; the emulator accepts COMMIT
 * only if its memories hold exactly B's image; then actions follow B. */
static int t_runtime_load(void)
{
	char sock[128], spec[160];
	snprintf(sock, sizeof(sock), "%s/load.sock", dir);
	const char *extra[] = {"--flip", "500", "--garbage", "5", "--seed", "9", NULL};
	pid_t pid = emu_start("--socket", sock, extra);
	CHECK(pid > 0);
	snprintf(spec, sizeof(spec), "sim:%s", sock);
	sq_device_opts o;
	sq_device_opts_default(&o);
	o.timeout_ms = 50;
	o.retries = 20;
	sq_device *d;
	sq_err err;
	int rc = sq_device_open(spec, &o, &d, &err);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(sq_device_get_info(d)->model_id == file_crc(model_a));
	uint64_t frames = 0;
	uint32_t id = file_crc(model_b);
	rc = sq_device_load_model(d, mb, id, &frames, &err);
	int div = -1, done = 0, div_a = 0, done_a = 0;
	if (rc == 0)
		rc = run_infers(d, mb, 300, 7, &div, &done, &err);
	if (rc == 0) /* and they really are B's, not A's */
		rc = run_infers(d, ma, 300, 7, &div_a, &done_a, &err);
	uint32_t now_id = sq_device_get_info(d)->model_id;
	sq_device_close(d);
	emu_stop(pid);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(now_id == id);
	CHECK(frames > 3);
	CHECK(div == 0 && done == 300);
	CHECKF(div_a > 0, "model A and B agree on every input: the test cannot tell them apart");
	return 0;
}

/* ---- sparqd ---------------------------------------------------------- */

static pid_t sparqd_start(const char *dev_spec, const char *sock, const char *log)
{
	unlink(sock);
	pid_t pid = fork();
	if (pid == 0) {
		execl(sparqd_bin, sparqd_bin, "--device", dev_spec, "--socket", sock, "--log", log,
		      "--timeout", "50", "--retries", "20", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 300; i++) {
		if (access(sock, F_OK) == 0)
			return pid;
		msleep(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/* A raw client: sends msg[0..n), reads one answer header (+ payload). */
static int raw_exchange(const char *sock, const uint8_t *msg, size_t n, uint8_t *hdr,
			bool expect_close)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	if (write(fd, msg, n) != (ssize_t)n)
		return -1;
	size_t got = 0;
	while (got < 4) {
		ssize_t r = read(fd, hdr + got, 4 - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	uint8_t junk[600];
	size_t len = (size_t)(hdr[2] | hdr[3] << 8);
	while (len > 0) {
		ssize_t r = read(fd, junk, len < sizeof(junk) ? len : sizeof(junk));
		if (r <= 0)
			return -1;
		len -= (size_t)r;
	}
	int closed = 0;
	if (expect_close) {
		ssize_t r = read(fd, junk, 1); /* the daemon hangs up */
		closed = r == 0;
	}
	close(fd);
	return expect_close ? (closed ? 0 : -1) : 0;
}

/* Four clients at once through one sparqd over a faulty line, plus bad
 * clients: every action equals the golden one, bad requests are refused
 * and the others keep being served. The socket is 0660. */
static int t_sparqd_many_clients(void)
{
	char sock[128], dsock[128], spec[160], dspec[160], log[128];
	snprintf(sock, sizeof(sock), "%s/d-dev.sock", dir);
	snprintf(dsock, sizeof(dsock), "%s/sparqd.sock", dir);
	snprintf(log, sizeof(log), "%s/sparqd.log", dir);
	const char *extra[] = {"--flip", "1000", "--drop", "1000", "--garbage", "10",
			       "--seed", "21", NULL};
	pid_t epid = emu_start("--socket", sock, extra);
	CHECK(epid > 0);
	snprintf(spec, sizeof(spec), "sim:%s", sock);
	pid_t dpid = sparqd_start(spec, dsock, log);
	CHECK(dpid > 0);
	struct stat st;
	CHECK(stat(dsock, &st) == 0 && (st.st_mode & 0777) == 0660);
	snprintf(dspec, sizeof(dspec), "sparqd:%s", dsock);
	pid_t kids[4];
	for (int k = 0; k < 4; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			sq_device *d;
			sq_err err;
			int div, done;
			if (sq_device_open(dspec, NULL, &d, &err))
				_exit(3);
			int rc = run_infers(d, ma, 250, 100 + (uint64_t)k, &div, &done, &err);
			sq_device_close(d);
			_exit(rc ? 4 : div ? 5 : done == 250 ? 0 : 6);
		}
	}
	/* meanwhile, bad clients */
	uint8_t hdr[4];
	const uint8_t unknown[4] = {0x33, 0, 0, 0};
	CHECK(raw_exchange(dsock, unknown, 4, hdr, false) == 0);
	CHECK(hdr[0] == 0xB3 && hdr[1] == 1); /* BAD_REQUEST */
	const uint8_t huge[4] = {0x02, 0, 0x00, 0x10}; /* len 4096 */
	CHECK(raw_exchange(dsock, huge, 4, hdr, true) == 0);
	CHECK(hdr[1] == 1);
	const uint8_t status[4] = {0x40, 0, 0, 0};
	CHECK(raw_exchange(dsock, status, 4, hdr, false) == 0);
	CHECK(hdr[0] == 0xC0 && hdr[1] == 0 && (hdr[2] | hdr[3] << 8) == 66);
	int ok = 0;
	for (int k = 0; k < 4; k++) {
		int stv;
		waitpid(kids[k], &stv, 0);
		if (WIFEXITED(stv) && WEXITSTATUS(stv) == 0)
			ok++;
		else
			fprintf(stderr, "  client %d: exit %d\n", k, WEXITSTATUS(stv));
	}
	emu_stop(dpid);
	emu_stop(epid);
	CHECK(ok == 4);
	/* one line per event: the log has the opens, the bad requests */
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "grep -c 'client-open\\|bad-request\\|device-up' %s >/dev/null", log);
	CHECK(system(cmd) == 0);
	return 0;
}

/* The device dies mid-episode: clients get a clear error, the daemon keeps
 * answering (STATUS says the device is away), and when a device appears
 * again at the same place the daemon reconnects and serves it. */
static int t_sparqd_survives_lost_device(void)
{
	char sock[128], dsock[128], spec[160], dspec[160], log[128];
	snprintf(sock, sizeof(sock), "%s/d2-dev.sock", dir);
	snprintf(dsock, sizeof(dsock), "%s/sparqd2.sock", dir);
	snprintf(log, sizeof(log), "%s/sparqd2.log", dir);
	const char *extra[] = {"--exit-after", "80", NULL};
	pid_t epid = emu_start("--socket", sock, extra);
	CHECK(epid > 0);
	snprintf(spec, sizeof(spec), "sim:%s", sock);
	pid_t dpid = sparqd_start(spec, dsock, log);
	CHECK(dpid > 0);
	snprintf(dspec, sizeof(dspec), "sparqd:%s", dsock);
	sq_device_opts o;
	sq_device_opts_default(&o);
	o.reconnect_ms = 300;
	sq_device *d;
	sq_err err;
	int div = 0, done = 0;
	int rc = sq_device_open(dspec, &o, &d, &err);
	CHECKF(rc == 0, "%s", err.msg);
	rc = run_infers(d, ma, 200, 31, &div, &done, &err);
	CHECK(rc == SQ_LINK_E_GONE && div == 0 && done > 50 && done < 80);
	CHECK(strstr(err.msg, "away") != NULL);
	waitpid(epid, NULL, 0); /* it exited */
	/* the daemon still answers, and says the device is away */
	uint8_t hdr[4];
	const uint8_t status[4] = {0x40, 0, 0, 0};
	CHECK(raw_exchange(dsock, status, 4, hdr, false) == 0);
	CHECK(hdr[1] == 0);
	/* a device comes back at the same socket: the same client goes on */
	epid = emu_start("--socket", sock, NULL);
	CHECK(epid > 0);
	o.reconnect_ms = 3000;
	sq_device_close(d);
	rc = sq_device_open(dspec, &o, &d, &err);
	if (rc == 0)
		rc = run_infers(d, ma, 100, 32, &div, &done, &err);
	sq_device_close(d);
	emu_stop(dpid);
	emu_stop(epid);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(div == 0 && done == 100);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "grep -q device-lost %s && test $(grep -c device-up %s) -ge 2",
		 log, log);
	CHECK(system(cmd) == 0);
	return 0;
}

int main(void)
{
	char cmd[512];
	sq_err err;
	bin = getenv("HIL_BIN");
	sparqd_bin = getenv("SPARQD");
	if (!bin || !sparqd_bin) {
		fprintf(stderr, "test_hil_link: set HIL_BIN and SPARQD\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/sq-hil-XXXXXX");
	if (!mkdtemp(dir))
		return 2;
	snprintf(model_a, sizeof(model_a), "%s/a.sqm", dir);
	snprintf(model_b, sizeof(model_b), "%s/b.sqm", dir);
	snprintf(cmd, sizeof(cmd), "%s/mkmodel %s 11 && %s/mkmodel %s 12", bin, model_a, bin,
		 model_b);
	if (system(cmd) != 0 || sqm_read_file(model_a, &ma, &err) ||
	    sqm_read_file(model_b, &mb, &err)) {
		fprintf(stderr, "test_hil_link: cannot make the test models\n");
		return 2;
	}
	RUN(t_clean_line);
	RUN(t_faults_never_wrong);
	RUN(t_vanish_and_return);
	RUN(t_gone_for_good);
	RUN(t_no_device);
	RUN(t_tty_pty);
	RUN(t_runtime_load);
	RUN(t_sparqd_many_clients);
	RUN(t_sparqd_survives_lost_device);
	sq_model_free(ma);
	sq_model_free(mb);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_hil_link: could not remove %s\n", dir);
	return tl_done();
}
