/*
 * JSON text written straight into a growing buffer (jbuf.h), for replies
 * of thousands of rows.
 */
#include "jbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
jb_put(struct jbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *np = realloc(b->p, cap);

		if (np == NULL) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void
jb_fmt(struct jbuf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		jb_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

void
jb_str(struct jbuf *b, const char *s)
{
	jb_put(b, "\"", 1);
	for (const char *run = s;; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch != '\0' && ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		jb_put(b, run, (size_t)(s - run));
		if (ch == '\0')
			break;
		if (ch == '"' || ch == '\\') {
			char esc[2] = { '\\', (char)ch };

			jb_put(b, esc, 2);
		} else
			jb_fmt(b, "\\u%04x", ch);
		run = s + 1;
	}
	jb_put(b, "\"", 1);
}

void
jb_key_str(struct jbuf *b, const char *key, const char *s)
{
	jb_put(b, ",\"", 2);
	jb_put(b, key, strlen(key));
	jb_put(b, "\":", 2);
	jb_str(b, s);
}

void
jb_page_begin(struct jbuf *b)
{
	jb_put(b, "{\"ok\":true,\"data\":[", 19);
}

void
jb_page_end(struct jbuf *b, const char *more)
{
	jb_put(b, "]", 1);
	if (more != NULL) {
		jb_put(b, ",\"more\":", 8);
		jb_str(b, more);
	}
	jb_put(b, "}", 1);
}
