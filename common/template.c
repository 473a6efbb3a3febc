/*
 * Message templates (template.h): the placeholders of a webhook body or a
 * mail filled in, each value escaped for where it goes.
 */
#include "template.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define TMPL_NAME_MAX	32

struct out {
	char	*p;
	size_t	len, n;
	bool	full;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->full || n >= o->len - o->n) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->n, s, n);
	o->n += n;
}

/* A value inside a JSON string: quotes, backslashes and control
 * characters escaped; everything else, UTF-8 included, as it is. */
static void
put_json(struct out *o, const char *s)
{
	char u[8];

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			u[0] = '\\';
			u[1] = (char)ch;
			put(o, u, 2);
		} else if (ch == '\n')
			put(o, "\\n", 2);
		else if (ch < 0x20 || ch == 0x7f) {
			snprintf(u, sizeof(u), "\\u%04x", ch);
			put(o, u, 6);
		} else
			put(o, s, 1);
	}
}

int
tmpl_render(const char *tmpl, const struct tmpl_val *vals, size_t nvals,
    enum tmpl_mode mode, char *out, size_t len, char *err, size_t errlen)
{
	struct out o = { .p = out, .len = len };
	const char *s = tmpl, *open, *close;

	if (len == 0) {
		snprintf(err, errlen, "no room");
		return -1;
	}
	while ((open = strstr(s, "{{")) != NULL) {
		char name[TMPL_NAME_MAX];
		size_t i, nlen;

		put(&o, s, (size_t)(open - s));
		if ((close = strstr(open + 2, "}}")) == NULL) {
			snprintf(err, errlen, "\"{{\" at offset %zu is never closed "
			    "with \"}}\"", (size_t)(open - tmpl));
			goto out_fail;
		}
		nlen = (size_t)(close - open - 2);
		if (nlen == 0 || nlen >= sizeof(name)) {
			snprintf(err, errlen, "placeholder at offset %zu: a name of "
			    "1 to %d characters expected", (size_t)(open - tmpl),
			    TMPL_NAME_MAX - 1);
			goto out_fail;
		}
		memcpy(name, open + 2, nlen);
		name[nlen] = '\0';
		for (i = 0; i < nvals; i++)
			if (strcmp(vals[i].name, name) == 0)
				break;
		if (i == nvals) {
			snprintf(err, errlen, "unknown placeholder {{%s}}", name);
			goto out_fail;
		}
		if (mode == TMPL_JSON)
			put_json(&o, vals[i].value ? vals[i].value : "");
		else if (vals[i].value != NULL)
			put(&o, vals[i].value, strlen(vals[i].value));
		s = close + 2;
	}
	put(&o, s, strlen(s));
	if (o.full) {
		snprintf(err, errlen, "longer than %zu bytes once filled in",
		    len - 1);
		goto out_fail;
	}
	out[o.n] = '\0';
	return (int)o.n;

out_fail:
	out[0] = '\0';
	return -1;
}
