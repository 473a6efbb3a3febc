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
 * Limits (config "control"; control/ctl_limit.h). A peer turned away gets one
 * line, {"ok": false, "error": "..."}, before lobbyd closes the connection,
 * and nothing it sent is read:
 *	"not authorised: you (bob) are not in a group allowed to use lobbyd"
 *	"connection refused: you (bob) already hold 8 connections to lobbyd,
 *	 the limit per user; close one and try again"
 *	"lobbyd is busy: the 48 connections open to users other than managers
 *	 are in use; try again later"	(all but those kept for managers/root)
 *	"lobbyd is busy: all 64 connections are in use; try again later"
 * Followers are counted apart, from the request that asks to follow; when
 * there are too many, that request gets the error ("too many followers: you
 * (bob) already follow with 16 connections, the limit per user; ...", or
 * "lobbyd is busy: ... follower connections ...") and the connection stays.
 * A connection that follows nothing and sends no request for
 * idle_timeout_s gets {"ok": false, "error": "idle for 60 s: lobbyd closed
 * the connection", "closed": "idle"} and is closed; nothing it sent after
 * that is read, so a client may send it again on a new connection.
 *
 * Commands that change data reply only after the change is committed.
 *
 * Long lists come in pages (DESIGN invariant 8: nothing a real site asks
 * for is capped or truncated in silence). A list command takes "after", an
 * opaque cursor, and a reply with more to come says so beside its data:
 *	{"ok": true, "data": [... at most CTL_PAGE_ROWS ...], "more": "<cursor>"}
 * The client asks again with "after": "<cursor>" until a reply has no
 * "more". A reply line is at most CTL_REPLY_MAX bytes.
 *
 * Times are integers, milliseconds since the epoch ("_ms" fields); lobbyctl
 * shows them in local time.
 *
 *  cmd            args                                   data
 *  status         -                                      {site, version, pid, started_ms,
 *                                                         devices, online, lanes, fire_mode}
 *  events         since_ms?, until_ms?, lane?, card?,     [event]  (oldest first, by
 *                 person?, limit? (100, at most          ts_ms then id; pages of at
 *                 10000000), after?, follow? (false),    most 2000, and under 1 MiB)
 *                 oldest? (false), upto_id?
 *                 Without "after", the newest "limit" events that match
 *                 (oldest: the first "limit" from since_ms); with it, those
 *                 after the cursor ("TS:ID", the last row's time and id:
 *                 events committed in between come on later pages, none
 *                 twice). A client wanting N rows asks each next
 *                 page for the N it still lacks. "follow" starts with the
 *                 last page (the reply without "more"); it takes neither
 *                 until_ms nor upto_id. upto_id: events with id <= it.
 *  events.export  until_ms (in the past), since_ms?      {since_ms, until_ms, upto_id,
 *                 (absent: where the exports reached)     exported_until_ms}
 *                 Begins an export: the client reads "events" with since_ms,
 *                 until_ms, upto_id (if not 0), oldest, and writes them out.
 *  events.export.done since_ms, until_ms, upto_id,       {id, since_ms, until_ms,
 *                 rows, file?                            upto_id, rows}
 *                 Records that those events are written out (an
 *                 "events_exported" event with who): retention
 *                 (store.events_keep_days, events_max_mb) may delete them.
 *  devices        -                                      [device]
 *  alerts         all? (false: active only), follow?,    [alert]
 *                 after? (all without follow: paged by id, oldest first)
 *  card.add       uid, holder, enabled? (true),          card
 *                 valid_from_ms?, valid_until_ms?,
 *                 replace? (true; false: a uid on the list is refused)
 *  card.remove    uid                                    {uid}
 *  card.list      after? (paged, by uid), find?,         [card]
 *                 limit? (1..1000 a page; 1000)
 *  lane.open      lane, direction ("entry"|"exit"),      {lane, direction, event_id}
 *                 reason (non-empty)
 *  stats          -                                      {latency_ns: {count, p50, p99, max},
 *                                                         events_committed, reader_rejects, ...}
 *  fire           -                                      {mode ("off"|"on"|"on, awaiting reset"),
 *                                                         active, since_ms, source, awaiting_reset,
 *                                                         reset_blocked? (why not), inputs
 *                                                         {name: "active"|"inactive"|"unknown"}}
 *  fire.reset     -                                      {mode, reset_by, ended_ms}
 *
 *  tickets        all? (false: unfinished only)         [ticket]  (unfinished first,
 *                                                         urgent first, oldest first)
 *  ticket.show    id                                     ticket + {notes: [note]}
 *  ticket.start   id                                     ticket   (open -> in_progress)
 *  ticket.note    id, text (non-empty)                   ticket
 *  ticket.done    id, text?                              ticket   (-> done)
 *  ticket.open    source (device, lane or "site"),       ticket   (opened by hand)
 *                 title (non-empty), urgent? (false)
 *  tickets.summary date? ("YYYY-MM-DD"; absent: latest)  summary
 *  devices.check  -                                      {devices, not_ok, ok,
 *                                                         problems: [problem]}
 *  intercom.list  -                                      [station]
 *  intercom.release station, reason (non-empty)          {station, event_id}
 *  alert.ack      id, note?                              alert (as acknowledged)
 *  alert.raise    to ("security,manager"), text,         {source, kind, audience,
 *                 severity? ("urgent"|"warning")          severity, message}
 *                 (by hand; its acknowledgement clears it)
 *  elevators.list -                                      [elevator]
 *  booking.add    unit, elevator, card, from_ms,         booking (committed; refused with
 *                 until_ms                                "booking refused (CODE): words")
 *  booking.list   all? (false: active, not yet over)     [booking] (by from_ms)
 *  booking.cancel id                                     booking (as cancelled)
 *
 *  card.add also takes floors?: a list of floor numbers [1, 3, 4] or a string
 *  "1,3-5" (floors 0..63; absent: none); card records carry floors: [n...].
 *  card.list's find: the cards whose uid starts with it (hex, any case) or
 *  whose holder's name holds it (ASCII letters in any case; Chinese and other
 *  characters as they are); at most 63 bytes, no control characters
 *  ("\"find\": a control character (0x0a) at character 4; ..."), not blank.
 *  A find reads a bounded share of the list a request (db/store.h,
 *  STORE_CARD_SCAN), so its page may hold fewer than limit cards, even none,
 *  and still carry "more": the client asks on with "after" until no "more".
 *  elevator {name, link, online, reason, since_ms, floor (null: unknown),
 *           direction, door, mode ("normal"|"independent"|"fire_service"|
 *           "out_of_service"|"unknown"), fault_code, trapped (null: unknown),
 *           floors (of the car), elevators (the readers' elevator names)}
 *  booking {id, unit, elevator, card, from_ms, until_ms, booked_by, booked_ms,
 *           state ("active"|"cancelled"), cancelled_by, cancelled_ms}
 *  booking.add, booking.list, booking.cancel: frontdesk, manager.
 *
 *  event   {id, ts_ms, kind, lane, device, direction, credential, decision,
 *           reason, reason_text, person (0: none), actor, detail}
 *                                                    (absent strings: "")
 *  device  {name, kind ("turnstile"|"reader"|...), link, online, state
 *           ("idle"|"passing"|"fault"|"unknown"|"offline"), fault_code,
 *           entry_count, exit_count, failures, reason, since_ms,
 *           format (readers only: "em4100"|"wiegand-ascii"|"qr"|"idcard"|
 *           "wiegand")}
 *  station {name, station, next, ring_timeout_s, online, reason, call ("idle"|
 *           "ringing"|"connected"|"unknown"|"offline"), call_since_ms,
 *           forwarded_to, button, door_open (null: no such point), release}
 *  card    {uid, holder, enabled, valid_from_ms, valid_until_ms, created_by, created_ms}
 *  ticket  {id, opened_ms, updated_ms, closed_ms (0: not done), alert_id (0: by
 *           hand), source, kind ("manual" by hand), title, urgency ("urgent"|
 *           "normal"), state ("open"|"in_progress"|"done"), opened_by}
 *  note    {ts_ms, actor, action ("opened"|"raised_again"|"cleared"|"started"|
 *           "note"|"done"), text}
 *  summary {day, made_ms, since_ms (the summary before; 0: none), late,
 *           open_count, urgent_count, opened_count, closed_count,
 *           open: [ticket + age_days], opened: [...], closed: [...]}
 *  problem {name, kind, what ("offline"|"fault"|"state_unknown"|"bad_reads"|
 *           "fire"|"power"|"tamper"|"alert"), detail (words), since_ms (0: unknown)}
 *
 * Ticket errors: "no ticket N", "ticket N is done already; it cannot be
 * started again (open a new ticket)", "ticket N is in progress already".
 *  alert   {id, raised_ms, cleared_ms (0: active), source, kind, severity,
 *           audience ("engineering,security,frontdesk"; ",manager" once escalated),
 *           message, acked_ms (0: not acknowledged), acked_by, ack_note,
 *           escalated, escalated_ms}
 *
 * The front desk (control/ctl_desk.c). Dates "YYYYMMDD" as integers; ID
 * numbers travel to lobbyd only, which keeps their keyed hash and mask and
 * never logs them. "unit" is "" in replies to callers without frontdesk or
 * manager (tenants' units are not shown to others).
 *
 *  person.add     kind ("tenant_staff"|"property_staff"|   person
 *                 "contractor"), name, id_type?, id_number?,
 *                 company?, unit?, schedule? (config name)
 *  person.list    after? (paged by id), limit? (1..      [person] (by id; a page
 *                 CTL_PAGE_ROWS, the default), find?     holds fewer than limit
 *                 (part of the name, company, unit or    only at the end: "more"
 *                 masked ID number; ASCII letters in     only when another is
 *                 either case; not blank, at most 63     found behind it)
 *                 bytes; the unit only for those who
 *                 see units), kind? ("tenant_staff,contractor": those kinds)
 *  person.show    id                                     person + {passes: [pass]}
 *  person.status  id, status ("active"|"suspended"|       person
 *                 "terminated"), reason
 *  pass.issue     person, credential (card uid),         pass
 *                 valid_from_ms?, valid_until_ms?, lanes? ("a,b"),
 *                 floors? ("3,5-7"), single_entry?
 *  pass.list      all? (false: live ones), after?        [pass] (the newest first,
 *                 (paged by id)                          pages of CTL_PAGE_ROWS)
 *  pass.show      id                                     pass
 *  pass.extend    id, valid_until_ms                     pass
 *  pass.revoke    id, reason                             pass
 *  visitor.register name, id_type, id_number, host_unit,   pass (+ code: the visitor
 *                 host, class, purpose, party? (1),      code to print as a QR code,
 *                 valid_until_ms? (end of today),        or the card handed out)
 *                 appointment?, category? ("sales"|"insurance"|"advertising"),
 *                 override? (a manager's reason), floors?, card?
 *                 id_from? (a desk identity card reader: the document, and
 *                 the name if none is given, from its last read)
 *  visitor.confirm id                                    pass (pending -> active)
 *  visitor.answer token, answer? ("confirm"|"decline";   pass; without answer:
 *                 none: only look)                       {pass, name, host, purpose,
 *                 the host's one-time link: anyone       party, class, state, issued_ms,
 *                 admitted holding the token             valid_until_ms}
 *  visitor.list   today? (false: live ones), after?      [pass] (as pass.list)
 *  idcard.last    reader                                 {reader, read (bool), read_ms,
 *                 ok, error?, name, sex, nation, birth, valid_until, expired,
 *                 number_ok, number_problem?, id_type, id_mask, watch? (manager)}
 *  permit.add     unit, company, from (YYYYMMDD), until, permit
 *                 days ("mon-fri"), hours ("08:00-12:00,14:00-18:00"),
 *                 floor, fees_paid? (false)
 *  permit.list    after? (paged by id)                   [permit]
 *  permit.set     id, state? ("active"|"suspended"|       permit + {passes_ended}
 *                 "closed"), fees_paid?
 *  contractor.add permit, name, id_type, id_number,      pass
 *                 credential (card uid), company?
 *  watchlist.add  id_type, id_number, name?, note?       watch
 *  watchlist.remove id                                   {id}
 *  watchlist.list -                                      [watch]
 *  inside         zone?                                  [presence]
 *  shift.note     text                                   shift
 *  shift.handover note?                                  shift (text: the open items)
 *  shift.log      since_ms? (0: 24 h ago), after?        [shift] (paged by id)
 *
 *  person  {id, kind, status, name, id_type, id_mask, company, unit, schedule,
 *           created_ms, created_by, purged (bool)}
 *  pass    {id, person, name, kind (the person's), credential, state, valid_from_ms,
 *           valid_until_ms, lanes, floors, single_entry, used, permit, issued_ms,
 *           issued_by, confirmed_ms, confirmed_by, ended_ms, ended_by, end_reason,
 *           class, host, unit, purpose, party, appointment, override_by,
 *           id_mask, watch? (security roles only), notified (what the host
 *           was told, in words), notices [{channel, to, state ("queued"|
 *           "retrying"|"sent"|"failed"), detail, tries, queued_ms, updated_ms}]}
 *  permit  {id, unit, company, from, until, days, hours, floor, fees_paid, state,
 *           created_ms, created_by, updated_ms, updated_by, passes (live ones)}
 *  watch   {id, id_type, id_mask, name, note, added_ms, added_by}
 *  presence {person, name, kind, id_mask, unit, zone, since_ms, lane}
 *  shift   {id, ts_ms, actor, kind ("note"|"handover"), text}
 *
 *  visitor.register also takes phone? (kept as '+' and digits) and
 *  host_reason?. A visitor met before (their ID hash; with no document,
 *  their name and phone) is reused: the same person, with this visit's
 *  name, host unit and phone; the reply adds returning: true and
 *  earlier_visits (their passes before this one). One who is suspended or
 *  terminated is refused ("this visitor (person N) is terminated; ..."),
 *  and so is their document given with another name ("this document is on
 *  record as NAME (person N); ...") unless a manager overrides (the record
 *  then takes the new name).
 *  Once the tenant directory holds any company, host_unit and host must be
 *  a unit of a company and one of its contacts (any case and spacing; the
 *  pass keeps the directory's spelling, the person the company's name);
 *  else host_reason (recorded on the pass) lets the host in, or it is
 *  refused: "not registered: unit U is not in the tenant directory ...",
 *  "not registered: H is not a contact of unit U in the tenant directory
 *  (C has N contacts there: pick one, or give host_reason)".
 *  visitor.find  id_type, id_number | name, phone          {found, person (null: none),
 *                                                         visits, last: [visit]}
 *                 visits: their passes in all; last: the newest 5.
 *  visit   {pass, date_ms (issued), host, unit, purpose, class, state}
 *  pass (above) also carries host_reason, and "unit" is the visit's own;
 *  person also carries phone.
 *
 * The tenant directory (control/ctl_tenants.c): companies, the units each
 * holds (a unit is one company's), their floors and contacts. TENANT: the
 * company's id (an integer) or its name (a string; any case).
 *  tenant.add     name, units ("1203;1205": ';', ',' or   tenant + {contacts: [contact]}
 *                 blanks between), short_name?, floors? ("12,13"),
 *                 contacts? ([{name, phone, role?, notify? ("phone"),
 *                 notify_detail?}], at most 100)
 *  tenant.list    after? (a name: paged by name),        [tenant] (pages of 1000;
 *                 contacts? (false)                       with contacts, of 100, each
 *                                                         tenant with its contacts)
 *  tenant.show    tenant: TENANT                         tenant + {contacts}
 *  tenant.remove  tenant: TENANT                         {id, name}
 *  tenant.contact.add tenant: TENANT, contact: {name,    tenant + {contacts}
 *                 phone, role?, notify?, notify_detail?}
 *  tenant.contact.remove tenant: TENANT, id              {id, tenant, name}
 *  tenant.import  rows ([{line, name, short_name?,      {received} (more to come),
 *                 units, floors?, contacts?: [{line,      then {added, replaced,
 *                 name, phone, ...}]}]), file?, done?     contacts}
 *                 (false: more batches come)
 *                 lobbyctl's CSV, checked again here; staged until "done",
 *                 then committed in one transaction: each company added, or
 *                 replacing the one of the same name (its units and contacts
 *                 with it). Any error ("FILE:LINE: unit 2101 is Harbour
 *                 Law's already") or the client going away: nothing is
 *                 imported. One import at a time.
 *  tenant  {id, name, short_name, units: ["1203"], floors ("12,13"),
 *           contacts_count, created_ms, created_by, updated_ms, updated_by}
 *           -- to callers without frontdesk or manager: {name, short_name}
 *           only, and contacts? is refused
 *  contact {id, name, phone, role, notify ("phone"), notify_detail}
 *  Events: tenant_added, tenant_removed, tenant_contact_added,
 *  tenant_contact_removed, tenant_import (who and which; no units, no phones).
 *  tenant.list                                          guard, frontdesk, manager
 *  tenant.*, visitor.find                               frontdesk, manager
 *
 *  person.*, pass.*, visitor.*, permit.*, contractor.add   frontdesk, manager
 *  (visitor.register with override: manager)
 *  watchlist.add, watchlist.remove                      manager
 *  watchlist.list                                       guard, manager
 *  inside                                               anyone admitted (id_mask, unit:
 *                                                       frontdesk, manager only)
 *  shift.*                                              guard, frontdesk, manager
 *
 * The web console (control/ctl_web.c). Passwords are hashed by lobbyctl
 * (argon2id, crypto_pwhash_str); lobbyd keeps only the hash.
 *  user.add       name, role, hash ("$argon2id$...")     {name, role, replaced}
 *  web.login      name, password, from? (the browser's   {name, role}  ("wrong name or
 *                 address)                                password"; 5 failures in a row
 *                                                         pause the account for a minute)
 *  user.add: manager. web.login: only lobbyweb's own Unix user (or root).
 * Any request may carry "as": {"user": NAME, "role": ROLE} beside "cmd":
 * lobbyd takes it only from lobbyweb's own user (or root, or lobbyd's own), and only for a web user
 * who logged in with that role in the last 12 h (or lobbyweb itself, to
 * narrow its roles); the request is then decided by that role and recorded
 * with "NAME@web" as the actor. Events: web_user_added, web_login,
 * web_login_failed.
 *
 * Roles. A caller's roles come from its Unix groups (config "roles"; without
 * that section every caller admitted holds every role), and each command
 * states who may use it (control/ctl_cmds.c's table); others get
 *	{"ok": false, "error": "card.add needs the role frontdesk,manager;
 *	 you (bob) have guard"}
 *  status, events, devices, alerts, stats, alert.ack    anyone admitted
 *  alert.raise                                          guard, frontdesk, engineering,
 *                                                       manager
 *  events.export, events.export.done                    manager
 *  card.add, card.remove, card.list                     frontdesk, manager
 *  lane.open                                            guard, frontdesk, manager
 * "alerts" (and its follow) shows, and "alert.ack" takes, only the alerts
 * routed to the caller: audience engineering -> engineering; security ->
 * guard, manager; frontdesk -> frontdesk, manager; manager (escalated) ->
 * manager; severity emergency -> everyone. "status" says the caller's roles.
 */
#ifndef LOBBYD_CTL_H
#define LOBBYD_CTL_H

#define CTL_LINE_MAX		65536		/* a request line */
#define CTL_REPLY_MAX		(4 << 20)	/* a reply line */
#define CTL_PAGE_ROWS		2000		/* rows in one page of a list */
#define CTL_DEFAULT_SOCKET	"/run/lobbyd/control.sock"
#define CTL_ENV_SOCKET		"LOBBYD_SOCKET"	/* lobbyctl: overrides the default */

#endif
