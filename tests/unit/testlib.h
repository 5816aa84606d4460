/*
 * testlib.h - the smallest test harness that tells the truth: named tests,
 * one PASS:/FAIL:/SKIP: line each (scripts/run-tests.sh counts them), a
 * nonzero exit when anything failed.
 *
 *   static int t_roundtrip(void) { CHECK(x == 1); return 0; }
 *   int main(void) { RUN(t_roundtrip); return tl_done(); }
 */
#ifndef SPARQ_TESTLIB_H
#define SPARQ_TESTLIB_H

#include <stdio.h>

static int tl_failed;
static const char *tl_file = __FILE__;

#define TL_SKIP 77

/* Fails the current test with the expression and location. */
#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		return 1; \
	} } while (0)

#define CHECKF(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "  %s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); \
		return 1; \
	} } while (0)

#define RUN(fn) do { \
	int tl_rc = fn(); \
	(void)tl_file; \
	if (tl_rc == TL_SKIP) printf("SKIP: %s\n", #fn); \
	else if (tl_rc) { printf("FAIL: %s\n", #fn); tl_failed++; } \
	else printf("PASS: %s\n", #fn); \
	fflush(stdout); \
	} while (0)

static inline int tl_done(void) { return tl_failed ? 1 : 0; }

#endif
