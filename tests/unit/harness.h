/*
 * A tiny test harness: CHECK records a failure with file:line and goes on;
 * harness_done() prints the closing "N passed, N failed" line and gives the
 * exit status.
 */
#ifndef LOBBYD_HARNESS_H
#define LOBBYD_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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

static inline int
harness_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, harness_pass, harness_fail);
	return harness_fail == 0 ? 0 : 1;
}

#endif
