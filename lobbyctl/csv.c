/*
 * lobbyctl's CSV files, read a line at a time with every error told as
 * FILE:LINE: what (card import, tenant import).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "format.h"
#include "i18n.h"

static void
csv_verr(struct csv_in *in, const char *fmt, va_list ap)
{
	if (in->nerr++ >= CSV_ERRORS_MAX)
		return;
	fprintf(stderr, "%s:%ld: ", in->path, in->line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
csv_err(struct csv_in *in, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	csv_verr(in, fmt, ap);
	va_end(ap);
}

/* The reader's own errors: msgid in the user's language when asked for. */
static void __attribute__((format(printf, 2, 3)))
csv_say(struct csv_in *in, const char *msgid, ...)
{
	va_list ap;

	va_start(ap, msgid);
	csv_verr(in, in->translate ? _(msgid) : msgid, ap);
	va_end(ap);
}

void
csv_err_untold(struct csv_in *in)
{
	if (in->nerr > CSV_ERRORS_MAX)
		fprintf(stderr, in->translate ? _("%s: %d more errors not shown\n") :
		    "%s: %d more errors not shown\n", in->path,
		    in->nerr - CSV_ERRORS_MAX);
}

char *
csv_read(struct csv_in *in, char *buf)
{
	while (fgets(buf, CSV_LINE_MAX, in->f) != NULL) {
		size_t n = strlen(buf);

		in->line++;
		if (n == CSV_LINE_MAX - 1 && buf[n - 1] != '\n') {
			csv_say(in, N_("line longer than %d bytes"), CSV_LINE_MAX - 2);
			return NULL;
		}
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = '\0';
		if (in->line == 1 && strncmp(buf, "\xef\xbb\xbf", 3) == 0)
			memmove(buf, buf + 3, n - 2);	/* a spreadsheet's BOM */
		if (in->text_only && !fmt_text_is_clean(buf)) {
			/* Only the tenant import asks, in English. */
			csv_err(in, "control characters or bytes that are not UTF-8");
			continue;
		}
		if (buf[strspn(buf, in->blank)] != '\0')
			return buf;
	}
	if (ferror(in->f))
		csv_say(in, N_("read error: %s"), strerror(errno));
	return NULL;
}

int
csv_split(struct csv_in *in, char *s, char **field, int max)
{
	int n = 0;

	for (;;) {
		char *out = s;

		if (n == max) {
			csv_say(in, N_("more than %d fields"), max);
			return -1;
		}
		field[n++] = s;
		if (*s == '"') {
			for (s++; *s != '"' || s[1] == '"'; s++) {
				if (*s == '\0') {
					csv_say(in, N_("a quoted field does not end"));
					return -1;
				}
				if (*s == '"')
					s++;
				*out++ = *s;
			}
			if (*++s != ',' && *s != '\0') {
				csv_say(in, N_("text after a closing quote"));
				return -1;
			}
		} else
			while (*s != ',' && *s != '\0')
				*out++ = *s++;
		if (*s == '\0') {
			*out = '\0';
			return n;
		}
		*out = '\0';
		s++;
	}
}

int
csv_header(struct csv_in *in, char *buf, char **field, int max,
    const char *if_empty)
{
	if (csv_read(in, buf) == NULL) {
		if (in->nerr == 0)
			csv_err(in, "%s", if_empty);
		return -1;
	}
	return csv_split(in, buf, field, max);
}

int
csv_column(const char *name, const char *pad, const char *const *names, int n)
{
	for (int k = 0; k < n; k++) {
		size_t len = strlen(names[k]);

		if (strncasecmp(name, names[k], len) == 0 &&
		    name[len + strspn(name + len, pad)] == '\0')
			return k;
	}
	return -1;
}
