/*
 * Message templates: "{{name}}" placeholders filled from a table of values,
 * JSON-escaped for a webhook's JSON body, as they are for plain text (a
 * mail). Pure: no I/O, no allocation.
 */
#ifndef LOBBYD_TEMPLATE_H
#define LOBBYD_TEMPLATE_H

#include <stddef.h>

struct tmpl_val {
	const char	*name;		/* "visitor", without the braces */
	const char	*value;		/* NULL: "" */
};

enum tmpl_mode {
	TMPL_TEXT,		/* values as they are */
	TMPL_JSON,		/* values escaped to sit inside a JSON string */
};

/*
 * Renders tmpl into out (size len, always terminated). Returns the length
 * written, or -1 with why in err: a placeholder not among the n values, a
 * "{{" never closed, or out too small.
 */
int	tmpl_render(const char *tmpl, const struct tmpl_val *vals, size_t n,
	    enum tmpl_mode, char *out, size_t len, char *err, size_t errlen);

#endif
