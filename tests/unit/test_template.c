/*
 * common/template.c from a table: a template, the mode, the values ->
 * the text, or the error.
 */
#include <string.h>

#include "../../common/template.h"
#include "harness.h"

static const struct tmpl_val vals[] = {
	{ "visitor", "李伟 \"Li\"" }, { "unit", "1203" },
	{ "purpose", "a\\b\nc\td" }, { "empty", NULL },
};

static const struct {
	const char	*name;
	const char	*tmpl;
	enum tmpl_mode	mode;
	size_t		len;		/* of the output buffer */
	const char	*want;		/* NULL: an error */
	const char	*err;		/* a part of the error */
} rows[] = {
	{ "plain text", "访客 {{visitor}} to {{unit}}", TMPL_TEXT, 256,
	    "访客 李伟 \"Li\" to 1203", NULL },
	{ "json escapes quotes", "{\"c\":\"{{visitor}}\"}", TMPL_JSON, 256,
	    "{\"c\":\"李伟 \\\"Li\\\"\"}", NULL },
	{ "json escapes backslash, newline, controls", "{{purpose}}", TMPL_JSON,
	    256, "a\\\\b\\nc\\u0009d", NULL },
	{ "text keeps them", "{{purpose}}", TMPL_TEXT, 256, "a\\b\nc\td", NULL },
	{ "NULL is empty", "[{{empty}}]", TMPL_JSON, 256, "[]", NULL },
	{ "no placeholders", "just text", TMPL_TEXT, 256, "just text", NULL },
	{ "braces alone are text", "{ } }} {x}", TMPL_TEXT, 256, "{ } }} {x}",
	    NULL },
	{ "a placeholder twice", "{{unit}}{{unit}}", TMPL_TEXT, 256, "12031203",
	    NULL },
	{ "unknown placeholder", "hi {{nosuch}}", TMPL_TEXT, 256, NULL,
	    "unknown placeholder {{nosuch}}" },
	{ "never closed", "hi {{visitor", TMPL_TEXT, 256, NULL, "never closed" },
	{ "empty name", "{{}}", TMPL_TEXT, 256, NULL, "a name of" },
	{ "exactly fits", "{{unit}}", TMPL_TEXT, 5, "1203", NULL },
	{ "one byte short", "{{unit}}", TMPL_TEXT, 4, NULL, "longer than 3" },
	{ "short in an escape", "{{visitor}}", TMPL_JSON, 10, NULL, "longer than" },
};

int
main(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char out[256], err[160] = "";
		int n = tmpl_render(rows[i].tmpl, vals, sizeof(vals) / sizeof(vals[0]),
		    rows[i].mode, out, rows[i].len, err, sizeof(err));

		if (rows[i].want != NULL) {
			CHECK_ROW(n == (int)strlen(rows[i].want) &&
			    strcmp(out, rows[i].want) == 0, "%s: got %d \"%s\" (%s)",
			    rows[i].name, n, out, err);
		} else {
			CHECK_ROW(n == -1 && out[0] == '\0' &&
			    strstr(err, rows[i].err) != NULL,
			    "%s: got %d, error \"%s\"", rows[i].name, n, err);
		}
	}
	return harness_done("test_template");
}
