/*
 * Small pieces every lobbyd process uses: logging to stderr (journald reads
 * the <N> priority prefixes), the two clocks, and bounded strings.
 */
#ifndef LOBBYD_UTIL_H
#define LOBBYD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <signal.h>
#include <sys/types.h>

/* Priorities as syslog(3) numbers them, so the journal files them right. */
enum log_prio { LOG_P_EMERG = 0, LOG_P_ALERT = 1, LOG_P_CRIT = 2, LOG_P_ERR = 3,
		LOG_P_WARNING = 4, LOG_P_NOTICE = 5, LOG_P_INFO = 6, LOG_P_DEBUG = 7 };

/* Name shown in every line ("lobbyd", "lobbyd[bus1]"); copied. */
void	log_init(const char *ident, bool debug);
void	log_msg(enum log_prio, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
#define log_crit(...)	log_msg(LOG_P_CRIT, __VA_ARGS__)
#define log_err(...)	log_msg(LOG_P_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_P_WARNING, __VA_ARGS__)
#define log_notice(...)	log_msg(LOG_P_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_P_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_P_DEBUG, __VA_ARGS__)
/* True when stderr is the journal (systemd's JOURNAL_STREAM). */
bool	log_to_journal(void);

/* CLOCK_MONOTONIC in nanoseconds: for deadlines and latencies. */
int64_t	mono_ns(void);
/* CLOCK_REALTIME in milliseconds since the epoch: for what is recorded. */
int64_t	real_ms(void);

#define NS_PER_MS	1000000LL

/* strlcpy semantics: always terminates, returns true when nothing was cut. */
bool	str_copy(char *dst, const char *src, size_t size);
/* snprintf where cutting a long text short is fine: reasons, replies, paths. */
void	str_printf(char *buf, size_t size, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* True when s is one of the strings of the NULL-terminated list. */
bool	str_in(const char *s, const char *const *list);
/* src with its ASCII letters in lower case, into dst of len bytes (cut
 * like str_copy). Other bytes, UTF-8 text among them, stay as they are. */
void	str_fold_ascii(char *dst, const char *src, size_t len);
/* Does hay hold needle, ASCII letters of either case alike (strcasestr in
 * the "C" locale)? "" is in every hay. Bytes compared: UTF-8 text is found
 * in UTF-8 text only where its characters are. */
bool	str_has_fold(const char *hay, const char *needle);
/* The value of a hex digit of either case, -1 for any other character. */
int	hex_digit(int c);
/* A day of the calendar: month 1..12, day 1 to the month's last (the 29th
 * of February in leap years). */
bool	date_valid(int y, int m, int d);
/* "YYYYMMDD", 8 digits that are a day of the calendar: y * 10000 + m * 100
 * + d; -1 for anything else. */
int	ymd_parse(const char *s);

/* Starts fn(arg) on a thread that takes no signal (they are the engine's,
 * read by signalfd): pthread_create()'s result. */
int	thread_start(pthread_t *, void *(*fn)(void *), void *arg);

/*
 * Blocks the n signals and returns a non-blocking, close-on-exec signalfd
 * that reads them; -1 with errno set on failure.
 */
int	util_signalfd(const int *signals, int n);

/*
 * Starts the program argv[0] names (a path) with its standard input the
 * descriptor in, no other descriptor past the standard streams, no signal
 * blocked, the signals in dfl back at their defaults, and a process group of
 * its own, so that killing the group reaches what it starts too. Returns
 * posix_spawn's error number: 0 when *pid is the child.
 */
int	spawn_fed(pid_t *pid, char *const argv[], int in, const sigset_t *dfl);

#endif
