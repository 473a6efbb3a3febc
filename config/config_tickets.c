/*
 * The tickets group of the config: when the daily ticket summary is made,
 * summary_at = "HH:MM" (or "HH:MM:SS"), local time, 17:30 by default.
 */
#include "config_int.h"

#include <ctype.h>
#include <string.h>

#include "../common/util.h"

#define DEF_SUMMARY_AT_S	(17 * 3600 + 30 * 60)

static const char *const tickets_keys[] = { "summary_at", NULL };

/* Exactly two digits at p, at most max; -1 otherwise. */
static int
two_digits(const char *p, int max)
{
	int v;

	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
		return -1;
	v = (p[0] - '0') * 10 + (p[1] - '0');
	return v <= max ? v : -1;
}

/* "HH:MM" or "HH:MM:SS" as seconds after midnight; -1 if it is neither. */
static int
time_of_day(const char *s)
{
	int h, m, sec = 0;
	size_t n = strlen(s);

	if ((n != 5 && n != 8) || s[2] != ':' || (n == 8 && s[5] != ':'))
		return -1;
	if ((h = two_digits(s, 23)) < 0 || (m = two_digits(s + 3, 59)) < 0)
		return -1;
	if (n == 8 && (sec = two_digits(s + 6, 59)) < 0)
		return -1;
	return h * 3600 + m * 60 + sec;
}

void
conf_load_tickets(struct load *ld, const config_setting_t *root)
{
	struct site_conf *site = ld->site;
	const config_setting_t *g, *m;
	struct scope sc;
	char buf[16], qb[40];
	int t;

	site->ticket_summary_s = DEF_SUMMARY_AT_S;
	if ((g = conf_root_group(ld, root, "tickets", tickets_keys, &sc)) == NULL)
		return;
	if ((m = conf_member(ld, &sc, g, "summary_at", W_STR, false)) == NULL)
		return;
	if (!str_copy(buf, config_setting_get_string(m), sizeof(buf)) ||
	    (t = time_of_day(buf)) < 0) {
		conf_serr(ld, &sc, m, "summary_at %s is not a time of day "
		    "(HH:MM or HH:MM:SS, 00:00 to 23:59:59)", conf_quote(qb,
		    sizeof(qb), config_setting_get_string(m)));
		return;
	}
	site->ticket_summary_s = t;
}
