/*
 * lobbyctl's messages in the user's language (GNU gettext, the catalogs in
 * po/): _() where a string is shown, N_() where it is only listed, to be
 * shown through _() later. --json and CSV output is never translated.
 */
#ifndef LOBBYCTL_I18N_H
#define LOBBYCTL_I18N_H

#include <libintl.h>

#define LOBBYCTL_DOMAIN	"lobbyctl"
#define _(s)	gettext(s)
#define N_(s)	s
/* A message whose words depend on where it is shown ("open": a door, an
 * alert): its context ctx, as msgctxt in the catalogs (pgettext). */
#define C_(ctx, s)	i18n_pgettext(ctx "\004" s, s)

static inline const char *
i18n_pgettext(const char *key, const char *s)
{
	const char *t = gettext(key);

	return t == key ? s : t;
}

#endif
