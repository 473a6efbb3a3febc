/*
 * The notifier process (notifier.h): deliveries from the engine held in a
 * bounded table, tried with libcurl's multi interface (webhooks and mail)
 * or as a command without a shell, retried with back-off, each try's
 * outcome said back to the engine.
 */
#include "notifier.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../config/config.h"
#include "../common/util.h"

#define RESP_MAX	2048	/* of a webhook's answer, kept to read errcode */
#define SECRET_MAX	256


enum ntype { T_WEBHOOK, T_SMTP, T_EXEC };

struct njob {
	bool		used;
	json_object	*o;		/* the engine's message: the strings */
	int64_t		id;
	enum ntype	type;
	int		timeout_s;
	int		retry_s[NOTIFY_MAX_RETRIES];
	int		nretry;
	int		tries;
	int64_t		due_ns;		/* the next try; 0: one is running */
	/* a try in flight */
	CURL		*easy;
	struct curl_slist *list;	/* headers, or mail recipients */
	char		*payload;	/* the mail as sent */
	size_t		plen, poff;
	char		resp[RESP_MAX];
	size_t		rlen;
	char		err[CURL_ERROR_SIZE];
	pid_t		pid;		/* exec: the command; 0 none */
	int64_t		deadline_ns;
	bool		killed;
};

static struct njob jobs[NOTIFIER_JOBS_MAX];
static CURLM *multi;
static int engine_fd = -1;
static int running;

static const char *
jstr(const struct njob *j, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(j->o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

/* One report to the engine; a full socket drops it (logged): the engine
 * reads as fast as it can and a lost report only leaves a state stale. */
static void
report(int64_t id, const char *state, int tries, const char *detail)
{
	json_object *o = json_object_new_object();
	const char *s;

	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "state", json_object_new_string(state));
	json_object_object_add(o, "tries", json_object_new_int(tries));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (send(engine_fd, s, strlen(s), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_warn("notifier: delivery %lld %s: report lost: %s",
		    (long long)id, state, strerror(errno));
	json_object_put(o);
}

static void
job_free(struct njob *j)
{
	if (j->easy != NULL) {
		curl_multi_remove_handle(multi, j->easy);
		curl_easy_cleanup(j->easy);
	}
	curl_slist_free_all(j->list);
	free(j->payload);
	json_object_put(j->o);
	memset(j, 0, sizeof(*j));
}

/* A try is over: sent, or failed with why (the next one planned). */
static void
try_done(struct njob *j, bool ok, const char *why)
{
	char detail[200];

	if (j->easy != NULL) {
		curl_multi_remove_handle(multi, j->easy);
		curl_easy_cleanup(j->easy);
		j->easy = NULL;
	}
	curl_slist_free_all(j->list);
	j->list = NULL;
	free(j->payload);
	j->payload = NULL;
	running--;
	if (ok) {
		report(j->id, "sent", j->tries, "");
		job_free(j);
		return;
	}
	if (j->tries > j->nretry) {
		snprintf(detail, sizeof(detail), "%s; gave up after %d tr%s", why,
		    j->tries, j->tries == 1 ? "y" : "ies");
		log_warn("notifier: delivery %lld: %s", (long long)j->id, detail);
		report(j->id, "failed", j->tries, detail);
		job_free(j);
		return;
	}
	snprintf(detail, sizeof(detail), "%s; next try in %d s", why,
	    j->retry_s[j->tries - 1]);
	report(j->id, "retrying", j->tries, detail);
	j->due_ns = mono_ns() + (int64_t)j->retry_s[j->tries - 1] * 1000 *
	    NS_PER_MS;
}

static size_t
resp_write(char *p, size_t size, size_t n, void *arg)
{
	struct njob *j = arg;
	size_t len = size * n, room = sizeof(j->resp) - 1 - j->rlen;

	memcpy(j->resp + j->rlen, p, len < room ? len : room);
	j->rlen += len < room ? len : room;
	j->resp[j->rlen] = '\0';
	return len;
}

static size_t
mail_read(char *p, size_t size, size_t n, void *arg)
{
	struct njob *j = arg;
	size_t len = j->plen - j->poff;

	if (len > size * n)
		len = size * n;
	memcpy(p, j->payload + j->poff, len);
	j->poff += len;
	return len;
}

/* Base64 of s at out's end, in lines of 76 (wrap) or one piece. */
static int
b64_put(char **out, size_t *olen, const char *s, size_t n, bool wrap)
{
	size_t blen = sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_ORIGINAL);
	char *b = malloc(blen), *p;
	size_t len, off;

	if (b == NULL)
		return -1;
	sodium_bin2base64(b, blen, (const unsigned char *)s, n,
	    sodium_base64_VARIANT_ORIGINAL);
	len = strlen(b);
	if ((p = realloc(*out, *olen + len + len / 76 * 2 + 3)) == NULL) {
		free(b);
		return -1;
	}
	*out = p;
	for (off = 0; off < len; off += 76) {
		size_t k = len - off < 76 || !wrap ? len - off : 76;

		memcpy(p + *olen, b + off, k);
		*olen += k;
		if (wrap) {
			memcpy(p + *olen, "\r\n", 2);
			*olen += 2;
		}
		if (!wrap)
			break;
	}
	p[*olen] = '\0';
	free(b);
	return 0;
}

static int
str_put(char **out, size_t *olen, const char *s)
{
	size_t n = strlen(s);
	char *p = realloc(*out, *olen + n + 1);

	if (p == NULL)
		return -1;
	memcpy(p + *olen, s, n + 1);
	*out = p;
	*olen += n;
	return 0;
}

/* The mail, RFC 5322: UTF-8 text in base64, the subject RFC 2047-encoded. */
static char *
mail_make(const struct njob *j, size_t *len)
{
	const char *from = jstr(j, "from"), *to = jstr(j, "to"),
	    *subject = jstr(j, "subject"), *body = jstr(j, "body"), *at;
	char hdr[1024], date[64];
	char *out = NULL;
	time_t now = time(NULL);
	struct tm tm;

	*len = 0;
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	at = strchr(from, '@');
	snprintf(hdr, sizeof(hdr), "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\n"
	    "Message-ID: <lobbyd.%lld.%lld%s>\r\nSubject: =?UTF-8?B?", date,
	    from, to, (long long)j->id, (long long)now, at ? at : "@localhost");
	if (str_put(&out, len, hdr) < 0 ||
	    b64_put(&out, len, subject, strlen(subject), false) < 0 ||
	    str_put(&out, len, "?=\r\nMIME-Version: 1.0\r\nContent-Type: "
	    "text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n"
	    "\r\n") < 0 ||
	    b64_put(&out, len, body, strlen(body), true) < 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* The first line of a secret's file (key names it), or false (why in err). */
static bool
read_secret(const char *key, const char *path, char *out, size_t len,
    char *err, size_t errlen)
{
	FILE *fp = fopen(path, "re");

	if (fp == NULL) {
		snprintf(err, errlen, "%s %s: %s", key, path, strerror(errno));
		return false;
	}
	if (fgets(out, (int)len, fp) == NULL)
		out[0] = '\0';
	fclose(fp);
	out[strcspn(out, "\r\n")] = '\0';
	return true;
}

/*
 * A DingTalk robot secured by signature (加签): its URL with
 * "timestamp=T&sign=S" added, T the time in ms and S the Base64 of the
 * HMAC-SHA256 of "T\nSECRET" keyed by SECRET, URL-encoded. Made at each
 * try: the robot takes a signature for an hour. false: why.
 */
static bool
signed_url(CURL *c, const char *url, const char *secret_file, char *out,
    size_t len, char *why, size_t whylen)
{
	char secret[SECRET_MAX], text[SECRET_MAX + 24],
	    b64[sodium_base64_ENCODED_LEN(crypto_auth_hmacsha256_BYTES,
	    sodium_base64_VARIANT_ORIGINAL)], *sign;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	long long ts = (long long)real_ms();
	int n;

	if (!read_secret("sign_secret_file", secret_file, secret,
	    sizeof(secret), why, whylen))
		return false;
	if (secret[0] == '\0') {
		snprintf(why, whylen, "sign_secret_file %s is empty", secret_file);
		return false;
	}
	n = snprintf(text, sizeof(text), "%lld\n%s", ts, secret);
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
	    strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)text,
	    (unsigned long long)n);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(text, sizeof(text));
	sodium_bin2base64(b64, sizeof(b64), mac, sizeof(mac),
	    sodium_base64_VARIANT_ORIGINAL);
	if ((sign = curl_easy_escape(c, b64, 0)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return false;
	}
	n = snprintf(out, len, "%s%ctimestamp=%lld&sign=%s", url,
	    strchr(url, '?') != NULL ? '&' : '?', ts, sign);
	curl_free(sign);
	if (n < 0 || (size_t)n >= len) {
		snprintf(why, whylen, "the signed url is too long");
		return false;
	}
	return true;
}

/* A webhook or a mail handed to libcurl; false: failed at once (why). */
static bool
curl_start(struct njob *j, char *why, size_t whylen)
{
	CURL *c = curl_easy_init();
	char secret[SECRET_MAX], url[NOTIFY_URL_MAX + 128];

	if (c == NULL) {
		snprintf(why, whylen, "libcurl: cannot start a transfer");
		return false;
	}
	j->easy = c;
	j->rlen = 0;
	j->err[0] = '\0';
	if (jstr(j, "sign_secret_file")[0] != '\0') {
		/* libcurl keeps its own copy of the url. */
		if (!signed_url(c, jstr(j, "url"), jstr(j, "sign_secret_file"),
		    url, sizeof(url), why, whylen))
			return false;
		curl_easy_setopt(c, CURLOPT_URL, url);
	} else {
		curl_easy_setopt(c, CURLOPT_URL, jstr(j, "url"));
	}
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)j->timeout_s);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)j->timeout_s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, j->err);
	curl_easy_setopt(c, CURLOPT_PRIVATE, j);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, j->type == T_WEBHOOK ?
	    "http,https" : "smtp,smtps");
	if (j->type == T_WEBHOOK) {
		j->list = curl_slist_append(NULL,
		    "Content-Type: application/json; charset=utf-8");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, j->list);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, jstr(j, "body"));
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, resp_write);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, j);
		curl_easy_setopt(c, CURLOPT_USERAGENT, "lobbyd/" LOBBYD_VERSION);
	} else {
		char addr[NOTIFY_ADDR_MAX + 2];

		if ((j->payload = mail_make(j, &j->plen)) == NULL) {
			snprintf(why, whylen, "out of memory");
			return false;
		}
		j->poff = 0;
		snprintf(addr, sizeof(addr), "<%s>", jstr(j, "from"));
		curl_easy_setopt(c, CURLOPT_MAIL_FROM, addr);
		snprintf(addr, sizeof(addr), "<%s>", jstr(j, "to"));
		j->list = curl_slist_append(NULL, addr);
		curl_easy_setopt(c, CURLOPT_MAIL_RCPT, j->list);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, mail_read);
		curl_easy_setopt(c, CURLOPT_READDATA, j);
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		/* A password never goes over a line in the clear. */
		curl_easy_setopt(c, CURLOPT_USE_SSL, jstr(j, "user")[0] ?
		    (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
		if (jstr(j, "user")[0] != '\0') {
			if (!read_secret("password_file", jstr(j, "password_file"),
			    secret, sizeof(secret), why, whylen))
				return false;
			curl_easy_setopt(c, CURLOPT_USERNAME, jstr(j, "user"));
			curl_easy_setopt(c, CURLOPT_PASSWORD, secret);
			sodium_memzero(secret, sizeof(secret));
		}
	}
	if (curl_multi_add_handle(multi, c) != CURLM_OK) {
		snprintf(why, whylen, "libcurl: cannot start a transfer");
		return false;
	}
	return true;
}

/* The command, without a shell, the body on its standard input. */
static bool
exec_start(struct njob *j, char *why, size_t whylen)
{
	char buf[256], *argv[CONF_CMD_ARGS];
	const char *body = jstr(j, "body");
	sigset_t dfl;
	int p[2], rc;

	str_copy(buf, jstr(j, "command"), sizeof(buf));
	if (config_command_split(buf, argv, CONF_CMD_ARGS) < 1) {
		snprintf(why, whylen, "no command");
		return false;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return false;
	}
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);	/* lobbyd ignores it; a command should not */
	sigaddset(&dfl, SIGHUP);	/* as the notifier does */
	/* The command gets the notice and the standard streams, nothing
	 * else: not the line to the engine (where it could report deliveries
	 * of its own making), nor libcurl's sockets. */
	rc = spawn_fed(&j->pid, argv, p[0], &dfl);
	close(p[0]);
	if (rc != 0) {
		close(p[1]);
		j->pid = 0;
		snprintf(why, whylen, "%s: %s", argv[0], strerror(rc));
		return false;
	}
	/* A notice is a few kilobytes: the pipe takes it whole. */
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	if (write(p[1], body, strlen(body)) < 0)
		log_debug("notifier: delivery %lld: stdin: %s", (long long)j->id,
		    strerror(errno));
	close(p[1]);
	j->deadline_ns = mono_ns() + (int64_t)j->timeout_s * 1000 * NS_PER_MS;
	j->killed = false;
	return true;
}

static void
try_start(struct njob *j)
{
	char why[200];
	bool ok;

	j->tries++;
	j->due_ns = 0;
	running++;
	ok = j->type == T_EXEC ? exec_start(j, why, sizeof(why)) :
	    curl_start(j, why, sizeof(why));
	if (!ok)
		try_done(j, false, why);
}

/* A finished transfer: sent, or why not. */
static void
curl_finished(CURLMsg *m)
{
	struct njob *j = NULL;
	char why[200];
	long code = 0;

	curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
	if (j == NULL)
		return;
	if (m->data.result != CURLE_OK) {
		snprintf(why, sizeof(why), "%.150s", j->err[0] ? j->err :
		    curl_easy_strerror(m->data.result));
		try_done(j, false, why);
		return;
	}
	if (j->type == T_SMTP) {
		try_done(j, true, "");
		return;
	}
	curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code > 299) {
		snprintf(why, sizeof(why), "HTTP %ld", code);
		try_done(j, false, why);
		return;
	}
	/* The chat robots answer 200 with {"errcode": N, "errmsg": "..."}. */
	{
		json_object *r = json_tokener_parse(j->resp), *ec, *em;
		long ecode = 0;

		if (r != NULL && json_object_is_type(r, json_type_object) &&
		    json_object_object_get_ex(r, "errcode", &ec))
			ecode = (long)json_object_get_int64(ec);
		if (ecode != 0) {
			snprintf(why, sizeof(why), "errcode %ld: %.120s", ecode,
			    json_object_object_get_ex(r, "errmsg", &em) ?
			    json_object_get_string(em) : "");
			json_object_put(r);
			try_done(j, false, why);
			return;
		}
		json_object_put(r);
	}
	try_done(j, true, "");
}

/* Commands that ended, or ran out of time. */
static void
exec_check(int64_t now)
{
	for (int i = 0; i < NOTIFIER_JOBS_MAX; i++) {
		struct njob *j = &jobs[i];
		char why[64];
		int status;

		if (!j->used || j->type != T_EXEC || j->pid <= 0)
			continue;
		if (waitpid(j->pid, &status, WNOHANG) == j->pid) {
			j->pid = 0;
			if (j->killed)
				snprintf(why, sizeof(why), "still running after "
				    "%d s; killed", j->timeout_s);
			else if (WIFSIGNALED(status))
				snprintf(why, sizeof(why), "killed by signal %d",
				    WTERMSIG(status));
			else if (WEXITSTATUS(status) != 0)
				snprintf(why, sizeof(why), "exited with status %d",
				    WEXITSTATUS(status));
			try_done(j, !j->killed && WIFEXITED(status) &&
			    WEXITSTATUS(status) == 0, why);
		} else if (!j->killed && now >= j->deadline_ns) {
			kill(-j->pid, SIGKILL);
			kill(j->pid, SIGKILL);
			j->killed = true;
		}
	}
}

/* A delivery from the engine into a free slot; a bad or unplaced one is
 * failed at once. */
static void
job_take(const char *buf, size_t len)
{
	static const char *const types[] = { "webhook", "smtp", "exec" };
	char *copy = strndup(buf, len);
	json_object *o = copy != NULL ? json_tokener_parse(copy) : NULL;
	json_object *v, *r;
	struct njob *j = NULL;
	int64_t id = 0;
	int t;

	free(copy);
	if (o == NULL || !json_object_object_get_ex(o, "id", &v)) {
		log_err("notifier: a malformed delivery from the engine");
		json_object_put(o);
		return;
	}
	id = json_object_get_int64(v);
	for (int i = 0; i < NOTIFIER_JOBS_MAX && j == NULL; i++)
		if (!jobs[i].used)
			j = &jobs[i];
	if (j == NULL) {
		report(id, "failed", 0, "the notifier's queue is full");
		log_err("notifier: delivery %lld not sent: %d waiting already",
		    (long long)id, NOTIFIER_JOBS_MAX);
		json_object_put(o);
		return;
	}
	memset(j, 0, sizeof(*j));
	j->o = o;
	j->id = id;
	j->type = T_WEBHOOK;
	for (t = 0; t < 3; t++)
		if (strcmp(jstr(j, "type"), types[t]) == 0)
			j->type = (enum ntype)t;
	j->timeout_s = json_object_object_get_ex(o, "timeout_s", &v) ?
	    json_object_get_int(v) : 10;
	if (j->timeout_s < 1)
		j->timeout_s = 1;
	if (json_object_object_get_ex(o, "retry_s", &r) &&
	    json_object_is_type(r, json_type_array))
		for (size_t i = 0; i < json_object_array_length(r) &&
		    j->nretry < NOTIFY_MAX_RETRIES; i++)
			j->retry_s[j->nretry++] = json_object_get_int(
			    json_object_array_get_idx(r, i));
	j->used = true;
	j->due_ns = mono_ns();
}

/* What the engine sent; false: it has gone. */
static bool
engine_read(void)
{
	static char buf[NOTIFIER_MSG_MAX];

	for (;;) {
		ssize_t n = recv(engine_fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0)
			job_take(buf, (size_t)n);
		else if (n == 0)
			return false;
		else if (errno == EINTR)
			continue;
		else
			return errno == EAGAIN;
	}
}

int
notifier_run(int fd)
{
	engine_fd = fd;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (multi = curl_multi_init()) == NULL) {
		log_err("notifier: libcurl would not start");
		return 1;
	}
	log_debug("notifier: started");
	for (;;) {
		int64_t now = mono_ns(), next = now + 1000 * NS_PER_MS;
		struct curl_waitfd w = { .fd = fd, .events = CURL_WAIT_POLLIN };
		bool execs = false;
		CURLMsg *m;
		int left, timeout;

		for (int i = 0; i < NOTIFIER_JOBS_MAX; i++) {
			struct njob *j = &jobs[i];

			if (!j->used)
				continue;
			if (j->due_ns != 0 && j->due_ns <= now &&
			    running < NOTIFIER_RUNNING_MAX)
				try_start(j);
			if (j->used && j->due_ns != 0 && j->due_ns < next)
				next = j->due_ns;
			execs |= j->used && j->type == T_EXEC && j->pid > 0;
		}
		timeout = next <= now ? 0 : (int)((next - now) / NS_PER_MS) + 1;
		if (execs && timeout > 50)
			timeout = 50;
		curl_multi_poll(multi, &w, 1, timeout, NULL);
		if ((w.revents & (CURL_WAIT_POLLIN)) && !engine_read())
			break;
		curl_multi_perform(multi, &left);
		while ((m = curl_multi_info_read(multi, &left)) != NULL)
			if (m->msg == CURLMSG_DONE)
				curl_finished(m);
		exec_check(mono_ns());
	}
	log_debug("notifier: the engine has gone; stopping");
	for (int i = 0; i < NOTIFIER_JOBS_MAX; i++)
		if (jobs[i].used) {
			if (jobs[i].pid > 0)
				kill(-jobs[i].pid, SIGKILL);
			job_free(&jobs[i]);
		}
	curl_multi_cleanup(multi);
	curl_global_cleanup();
	return 0;
}
