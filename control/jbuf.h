/*
 * JSON text written straight into a growing buffer, for the replies that
 * carry thousands of rows (card.list, events): far cheaper for the engine
 * than building json-c objects and serializing them.
 */
#ifndef LOBBYD_JBUF_H
#define LOBBYD_JBUF_H

#include <stdbool.h>
#include <stddef.h>

/* Zeroed to start; p is malloc'd (the caller frees it). After a failed
 * allocation oom is set and nothing more is written. */
struct jbuf {
	char	*p;
	size_t	len, cap;
	bool	oom;
};

void	jb_put(struct jbuf *, const char *s, size_t n);
/* At most 63 bytes of formatted text (numbers, short literals). */
void	jb_fmt(struct jbuf *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* A JSON string: quotes, backslashes and control bytes escaped; UTF-8 as is. */
void	jb_str(struct jbuf *, const char *s);
/* ,"key":"value" (key: a plain word, not escaped). */
void	jb_key_str(struct jbuf *, const char *key, const char *s);
/* A page of a list (control/ctl.h): {"ok":true,"data":[ ... then ] with
 * "more": the cursor when more is not NULL, and the closing brace. */
void	jb_page_begin(struct jbuf *);
void	jb_page_end(struct jbuf *, const char *more);

#endif
