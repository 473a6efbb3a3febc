/*
 * The control protocol between lobbyctl and lobbyd: the whole of it in one
 * header. The socket is a Unix stream socket (site_conf.socket_path); lobbyd
 * checks the peer's credentials (SO_PEERCRED) before reading a byte.
 *
 * Each request is one JSON object on one line (at most CTL_LINE_MAX bytes):
 *	{"cmd": "<name>", "args": {...}}
 * Each reply is one JSON object on one line:
 *	{"ok": true, "data": <value>}
 *	{"ok": false, "error": "<what was wrong, in words>"}
 * After a successful "events" or "alerts" reply with "follow": true, the
 * server keeps the connection and sends one line per new item,
 *	{"event": {...}}	or	{"alert": {...}}
 * until the client closes it. Otherwise the connection carries any number of
 * request/reply pairs, in order.
 *
 * Commands that change data reply only after the change is committed.
 *
 * Times are integers, milliseconds since the epoch ("_ms" fields); lobbyctl
 * shows them in local time.
 *
 *  cmd            args                                   data
 *  status         -                                      {site, version, pid, started_ms,
 *                                                         devices, online, lanes}
 *  events         since_ms?, lane?, limit? (100),        [event]  (oldest first)
 *                 follow? (false)
 *  devices        -                                      [device]
 *  alerts         all? (false: active only), follow?     [alert]
 *  card.add       uid, holder, enabled? (true),          card
 *                 valid_from_ms?, valid_until_ms?
 *  card.remove    uid                                    {uid}
 *  card.list      -                                      [card]
 *  lane.open      lane, direction ("entry"|"exit"),      {lane, direction, event_id}
 *                 reason (non-empty)
 *  stats          -                                      {latency_ns: {count, p50, p99, max},
 *                                                         events_committed, reader_rejects, ...}
 *  alert.ack      id, note?                              alert (as acknowledged)
 *
 *  event   {id, ts_ms, kind, lane, device, direction, credential, decision,
 *           reason, reason_text, actor, detail}      (absent strings: "")
 *  device  {name, kind ("turnstile"|"reader"), link, online, state
 *           ("idle"|"passing"|"fault"|"unknown"|"offline"), fault_code,
 *           entry_count, exit_count, failures, reason, since_ms}
 *  alert   {id, raised_ms, cleared_ms (0: active), source, kind, severity,
 *           audience ("engineering,security,frontdesk"; ",manager" once escalated),
 *           message, acked_ms (0: not acknowledged), acked_by, ack_note,
 *           escalated, escalated_ms}
 *  card    {uid, holder, enabled, valid_from_ms, valid_until_ms, created_by, created_ms}
 *
 * Roles. A caller's roles come from its Unix groups (config "roles"; without
 * that section every caller admitted holds every role), and each command
 * states who may use it (daemon/ctl_cmds.c's table); others get
 *	{"ok": false, "error": "card.add needs the role frontdesk,manager;
 *	 you (bob) have guard"}
 *  status, events, devices, alerts, stats, alert.ack    anyone admitted
 *  card.add, card.remove, card.list                     frontdesk, manager
 *  lane.open                                            guard, frontdesk, manager
 * "alerts" (and its follow) shows, and "alert.ack" takes, only the alerts
 * routed to the caller: audience engineering -> engineering; security ->
 * guard, manager; frontdesk -> frontdesk, manager; manager (escalated) ->
 * manager; severity emergency -> everyone. "status" says the caller's roles.
 */
#ifndef LOBBYD_CTL_H
#define LOBBYD_CTL_H

#define CTL_LINE_MAX		65536
#define CTL_DEFAULT_SOCKET	"/run/lobbyd/control.sock"
#define CTL_ENV_SOCKET		"LOBBYD_SOCKET"	/* lobbyctl: overrides the default */

#endif
