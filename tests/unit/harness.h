/*
 * A tiny test harness: CHECK records a failure with file:line and goes on;
 * harness_done() prints the closing "N passed, N failed" line, with the
 * program's time, and gives the exit status.
 */
#ifndef LOBBYD_HARNESS_H
#define LOBBYD_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int harness_pass, harness_fail;

#define CHECK(cond) do {						\
	if (cond) {							\
		harness_pass++;						\
	} else {							\
		harness_fail++;						\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
	}								\
} while (0)

#define CHECK_INT(got, want) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (g_ == w_) {							\
		harness_pass++;						\
	} else {							\
		harness_fail++;						\
		fprintf(stderr, "%s:%d: %s is %lld, want %lld\n",	\
		    __FILE__, __LINE__, #got, g_, w_);			\
	}								\
} while (0)

#define CHECK_STR(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0) {		\
		harness_pass++;						\
	} else {							\
		harness_fail++;						\
		fprintf(stderr, "%s:%d: %s is \"%s\", want \"%s\"\n",	\
		    __FILE__, __LINE__, #got, g_ ? g_ : "(null)",	\
		    w_ ? w_ : "(null)");				\
	}								\
} while (0)

/* Like CHECK, with the failing row named by a printf message. */
#define CHECK_ROW(cond, ...) do {					\
	if (cond) {							\
		harness_pass++;						\
	} else {							\
		harness_fail++;						\
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);		\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

/* How many rows a table has. */
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
/* The program's start, for the time harness_done prints. */
static struct timespec harness_t0;

__attribute__((constructor)) static void
harness_start(void)
{
	clock_gettime(CLOCK_MONOTONIC, &harness_t0);
}

static inline int
harness_done(const char *name)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	printf("%s: %d passed, %d failed (%.1fs)\n", name, harness_pass, harness_fail,
	    (double)(t.tv_sec - harness_t0.tv_sec) +
	    (double)(t.tv_nsec - harness_t0.tv_nsec) / 1e9);
	return harness_fail == 0 ? 0 : 1;
}

#endif
