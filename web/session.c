/*
 * lobbyweb's sessions: a random token in an HttpOnly cookie, a CSRF token
 * the pages send back with every change, the web user and role, and an end.
 * They live in memory: a restart of lobbyweb logs everyone out.
 */
#include <sodium.h>
#include <string.h>

#include "web.h"
#include "../common/util.h"

#define SESS_MAX	512

static struct {
	pthread_mutex_t	mu;
	struct web_sess	s[SESS_MAX];
} sessions = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void
random_hex(char *out)
{
	unsigned char b[32];

	randombytes_buf(b, sizeof(b));
	sodium_bin2hex(out, 65, b, sizeof(b));
}

int
sess_new(const char *user, const char *role, int minutes, struct web_sess *out)
{
	int64_t now = real_ms();
	struct web_sess *pick = NULL;
	int rc = -1;

	pthread_mutex_lock(&sessions.mu);
	for (int i = 0; i < SESS_MAX; i++) {
		struct web_sess *s = &sessions.s[i];

		if (s->token[0] == '\0' || s->expires_ms < now) {
			pick = s;
			break;
		}
	}
	if (pick != NULL) {
		memset(pick, 0, sizeof(*pick));
		random_hex(pick->token);
		random_hex(pick->csrf);
		str_copy(pick->user, user, sizeof(pick->user));
		str_copy(pick->role, role, sizeof(pick->role));
		pick->expires_ms = now + (int64_t)minutes * 60000;
		*out = *pick;
		rc = 0;
	}
	pthread_mutex_unlock(&sessions.mu);
	return rc;
}

bool
sess_get(const char *token, struct web_sess *out)
{
	bool found = false;

	if (token == NULL || strlen(token) != 64)
		return false;
	pthread_mutex_lock(&sessions.mu);
	for (int i = 0; i < SESS_MAX && !found; i++) {
		struct web_sess *s = &sessions.s[i];

		if (s->token[0] != '\0' && sodium_memcmp(s->token, token, 64) == 0 &&
		    s->expires_ms > real_ms()) {
			*out = *s;
			found = true;
		}
	}
	pthread_mutex_unlock(&sessions.mu);
	return found;
}

void
sess_end(const char *token)
{
	if (token == NULL || strlen(token) != 64)
		return;
	pthread_mutex_lock(&sessions.mu);
	for (int i = 0; i < SESS_MAX; i++)
		if (sodium_memcmp(sessions.s[i].token, token, 64) == 0)
			memset(&sessions.s[i], 0, sizeof(sessions.s[i]));
	pthread_mutex_unlock(&sessions.mu);
}
