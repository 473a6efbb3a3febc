/*
 * Logging, clocks, bounded strings and the signal descriptor shared by the
 * engine, the link workers, lobbyctl and the simulators.
 */
#include "util.h"

#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

static char	log_ident[48] = "lobbyd";
static bool	log_debug_on;
static bool	log_journal;	/* stderr goes to the journal: no timestamps */
static long	log_gmtoff;	/* local time offset, taken once */
static bool	log_gmtoff_set;

void
log_init(const char *ident, bool debug)
{
	str_copy(log_ident, ident, sizeof(log_ident));
	log_debug_on = debug;
	/* systemd sets JOURNAL_STREAM when stderr is connected to the journal. */
	log_journal = getenv("JOURNAL_STREAM") != NULL;
	/*
	 * The offset is read here once, in the engine before it forks: a link
	 * worker forked while another thread held libc's time-zone lock must
	 * never call localtime_r(), so log lines do the arithmetic themselves.
	 */
	if (!log_gmtoff_set) {
		time_t now = time(NULL);
		struct tm tm;

		if (localtime_r(&now, &tm) != NULL)
			log_gmtoff = tm.tm_gmtoff;
		log_gmtoff_set = true;
	}
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
		long long day_s;

		clock_gettime(CLOCK_REALTIME, &ts);
		day_s = ((long long)ts.tv_sec + log_gmtoff) % 86400;
		if (day_s < 0)
			day_s += 86400;
		n = snprintf(line, sizeof(line), "%02lld:%02lld:%02lld.%03ld %s %s: ",
		    day_s / 3600, day_s / 60 % 60, day_s % 60, ts.tv_nsec / 1000000,
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

bool
log_to_journal(void)
{
	return log_journal;
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

void
str_printf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

bool
str_in(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

void
str_fold_ascii(char *dst, const char *src, size_t len)
{
	size_t i;

	if (len == 0)
		return;
	for (i = 0; i + 1 < len && src[i] != '\0'; i++)
		dst[i] = src[i] >= 'A' && src[i] <= 'Z' ? (char)(src[i] - 'A' + 'a') :
		    src[i];
	dst[i] = '\0';
}

bool
str_has_fold(const char *hay, const char *needle)
{
	/* The C library's search: lobbyd keeps the "C" locale, where only
	 * ASCII letters have another case and UTF-8 bytes match as they are. */
	return strcasestr(hay, needle) != NULL;
}

int
thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

bool
date_valid(int y, int m, int d)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m >= 1 && m <= 12 && d >= 1 &&
	    d <= mdays[m - 1] + (m == 2 && leap ? 1 : 0);
}

int
ymd_parse(const char *s)
{
	int ymd = 0;

	if (strlen(s) != 8)
		return -1;
	for (int i = 0; i < 8; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		ymd = ymd * 10 + (s[i] - '0');
	}
	return date_valid(ymd / 10000, ymd / 100 % 100, ymd % 100) ? ymd : -1;
}

int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
util_signalfd(const int *signals, int n)
{
	sigset_t set;
	int i;

	sigemptyset(&set);
	for (i = 0; i < n; i++)
		if (sigaddset(&set, signals[i]) == -1)
			return -1;
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int
spawn_fed(pid_t *pid, char *const argv[], int in, const sigset_t *dfl)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int rc;

	sigemptyset(&none);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, dfl);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	rc = posix_spawn(pid, argv[0], &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}
