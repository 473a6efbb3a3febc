/*
 * The notifier: a program of its own (lobbyd-notify, daemon/notify_main.c)
 * that the engine starts as it does a link's worker, and that sends what the
 * engine hands it (a webhook's POST, a mail
 * over SMTP, a command run) with libcurl, retries with back-off, and says
 * how each delivery went. The engine never waits for it.
 *
 * The protocol, one JSON object a SOCK_SEQPACKET message, at most
 * NOTIFIER_MSG_MAX bytes:
 *
 *   engine -> notifier, a delivery:
 *     {"id": N, "type": "webhook"|"smtp"|"exec", "url": "...",
 *      "body": "...",            webhook: the JSON; smtp: the text; exec: stdin
 *      "subject": "...", "from": "...", "to": "...",     smtp
 *      "user": "...", "password_file": "...",            smtp login, optional
 *      "command": "...",                                 exec
 *      "timeout_s": 10, "retry_s": [5, 30, 120, 600]}
 *
 *   notifier -> engine, after each try, and at once for a refused one:
 *     {"id": N, "state": "sent"|"retrying"|"failed", "tries": K,
 *      "detail": "HTTP 500; next try in 30 s"}
 *
 * A try is a webhook answered 2xx (and, where the answer is JSON with an
 * "errcode", errcode 0, as WeCom's and DingTalk's robots say it), a mail
 * the server accepted, a command that exited 0 within timeout_s. After a
 * failed try K the next comes retry_s[K-1] seconds later; after the last
 * wait's try the delivery has failed. At most NOTIFIER_JOBS_MAX wait at
 * once: one more is failed at once ("queue full").
 */
#ifndef LOBBYD_NOTIFIER_H
#define LOBBYD_NOTIFIER_H

#define NOTIFIER_MSG_MAX	32768
#define NOTIFIER_JOBS_MAX	256
#define NOTIFIER_RUNNING_MAX	8	/* tries in flight at once */

/* Runs on fd (the engine's socket) until the engine's end closes; the
 * exit status. */
int	notifier_run(int fd);

#endif
