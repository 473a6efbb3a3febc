/*
 * Logging and clocks shared by the engine, the link workers, lobbyctl and the
 * simulator.
 */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char	log_ident[48] = "lobbyd";
static bool	log_debug_on;
static bool	log_journal;	/* stderr goes to the journal: no timestamps */

void
log_init(const char *ident, bool debug)
{
	str_copy(log_ident, ident, sizeof(log_ident));
	log_debug_on = debug;
	/* systemd sets JOURNAL_STREAM when stderr is connected to the journal. */
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void
log_msg(enum log_prio prio, const char *fmt, ...)
{
	static const char *const names[] = { "emerg", "alert", "crit", "error",
	    "warning", "notice", "info", "debug" };
	char line[1024];
	va_list ap;
	int n;

	if (prio == LOG_P_DEBUG && !log_debug_on)
		return;
	if (log_journal) {
		n = snprintf(line, sizeof(line), "<%d>%s: ", prio, log_ident);
	} else {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		n = snprintf(line, sizeof(line), "%02d:%02d:%02d.%03ld %s %s: ",
		    tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		    log_ident, names[prio]);
	}
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	/* One write per line, so lines of several processes never interleave. */
	n = (int)strlen(line);
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}

int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t
real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

bool
str_copy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size == 0)
		return n == 0;
	if (n >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return false;
	}
	memcpy(dst, src, n + 1);
	return true;
}
