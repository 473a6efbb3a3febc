/*
 * One egress lane of lobbyd and the world around it, for spin: card grants,
 * passages, the turnstile lost and restored, worker restarts, lobbyd
 * restarts, the fire input on and off and an operator's reset, in every
 * order. The engine's decisions are lane.tbl's rows (lane_tbl.pml, made by
 * tbl2pml.awk); engine/fire.c, engine/lanes.c and db/latch.c are the C.
 *
 * Checked (assertions, every interleaving):
 * The worker's socket holds two commands. By default a send to a full one
 * waits; with -DWIRE_DROPS it is lost, as msg_send()'s EAGAIN loses it, and
 * spin finds a FREE lost that way and never sent again (see run).
 *  1. no loss or restoration of comms, worker restart or lobbyd restart ever
 *     sends OPEN, and none sends FREE but fire mode's own (DESIGN inv. 1);
 *  2. from fire mode on until the input is clear and an operator's reset is
 *     taken, the turnstile is given nothing but FREE, across restarts of
 *     lobbyd and of the worker, and a reset is taken only with the input
 *     known to be clear (inv. 2).
 */
#include "lane_tbl.pml"

#ifdef WIRE_DROPS
#define WIRE_SEND(cmd, why) \
	if \
	:: len(wire) < 2 -> wire!cmd, why \
	:: len(wire) >= 2 -> if :: cmd == LOCK -> owed = true :: else -> skip fi \
	fi
#else
#define WIRE_SEND(cmd, why) wire!cmd, why
#endif

#define NONE	0
#define OPEN	1
#define LOCK	2
#define FREE	3
/* why the engine sent a command (ghost, for the checks) */
#define BY_CARD		1
#define BY_FIRE		2	/* fire mode on, or its re-FREE */
#define BY_COMMS	3	/* a turnstile answering again */
#define BY_RESET	4
#define BY_RESTART	5

/* The world. */
bool fire_in;			/* the fire panel's contact */
bool ts_up = true;		/* the turnstile answers on its bus */
byte ts_pos = LOCK;		/* what the turnstile does: LOCK, OPEN (one
				   passage), FREE */
/* Stored, kept over a restart of lobbyd. */
bool db_fire, latch_fire;
/* The engine (lost at a restart of lobbyd). */
bool up = true;			/* lobbyd running */
bool worker = true;		/* the turnstile's link worker running */
bool fire_on;			/* e->fire.active */
bool resetting;			/* e->fire.resetting, its row not yet committed */
bool reset_ok;			/* the reset's row committed */
bool owed;			/* e->fire.lock_owed */
bool ts_known;			/* the turnstile's status is read (online) */
bool in_known, in_active;	/* the engine's view of the fire input */
bool pending;
byte seen_pos = LOCK;		/* the turnstile's state as the engine last read it */			/* a grant awaits its passage */
/* Ghosts: the truth the checks compare with. */
bool latched;			/* fire mode on, not yet reset: the lane must
				   be given only FREE */
byte cause;

chan wire = [2] of { byte, byte };	/* engine -> worker: command, cause */

/* engine_send_cmd(): the fire guard, then the worker's socket. A command to a
 * dead worker fails; the lane's LOCK is then owed (fire.c). */
inline send(cmd, why) {
	if
	:: t_send[fire_on * 4 + cmd] == 0 -> skip
	:: else ->
		/* comms never open nor free; a LOCK a reset owed may follow */
		assert(!(why == BY_COMMS || why == BY_RESTART) || cmd == LOCK ||
		    cmd == FREE && fire_on);
		assert(!latched || cmd == FREE);
		if
		:: worker -> WIRE_SEND(cmd, why)
		:: !worker ->
			if :: cmd == LOCK -> owed = true :: else -> skip fi
		fi
	fi
}

/* fire_mode_on(): stored (a held write: committed now, or later), FREE to the
 * lane, the latch file (allocated at start, so it takes the write). */
inline fire_mode_on() {
	fire_on = true; latched = true; owed = false;
	if :: db_fire = true :: skip fi;
	send(FREE, BY_FIRE);
	latch_fire = true
}

/* The worker writes each command: the turnstile takes it if it answers. */
proctype turnstile() {
	byte c, w;

	do
	:: atomic { wire?c, w -> if :: ts_up -> ts_pos = c :: else -> skip fi }
	od
}

proctype world() {
	do
	/* a valid card at the reader */
	:: atomic { up && !pending ->
		if
		:: t_grant[fire_on * 2 + ts_known] == 1 -> pending = true; send(OPEN, BY_CARD)
		:: else -> skip
		fi }
	/* someone passes an open or free turnstile (the counter moves) */
	:: atomic { ts_up && ts_pos != LOCK ->
		if :: ts_pos == OPEN -> ts_pos = LOCK :: else -> skip fi;
		if :: up && worker -> pending = false :: else -> skip fi }
	/* the turnstile stops answering; it comes back having rebooted, locked */
	:: atomic { ts_up -> ts_up = false; ts_known = false; pending = false }
	:: atomic { !ts_up -> ts_up = true; ts_pos = LOCK }
	/* the worker reads another state (fire_ts_status, not the first) */
	:: atomic { up && worker && ts_up && ts_known && seen_pos != ts_pos ->
		seen_pos = ts_pos;
		if
		:: ts_pos != FREE && t_status[fire_on] == FREE -> send(FREE, BY_FIRE)
		:: else -> skip
		fi }
	/* the worker sees it answer again: its first status (fire_ts_status) */
	:: atomic { up && worker && ts_up && !ts_known -> ts_known = true; seen_pos = ts_pos;
		if
		:: t_answer[fire_on * 2 + owed] == FREE -> send(FREE, BY_COMMS)
		:: t_answer[fire_on * 2 + owed] == LOCK -> owed = false; send(LOCK, BY_COMMS)
		:: else -> skip
		fi }
	/* the worker dies; the supervisor starts it again */
	:: atomic { up && worker -> worker = false; ts_known = false; in_known = false;
		pending = false; do :: wire?[_, _] -> wire?_, _ :: else -> break od }
	:: atomic { up && !worker -> worker = true }
	/* the fire panel's contact */
	:: atomic { !fire_in -> fire_in = true }
	:: atomic { fire_in -> fire_in = false }
	/* the input's worker reads it and tells the engine (fire_input) */
	:: atomic { up && worker && (!in_known || in_active != fire_in) ->
		in_known = true; in_active = fire_in;
		if :: fire_in && !fire_on -> fire_mode_on() :: else -> skip fi }
	/* a held fire-mode write that failed is committed at a retry */
	:: atomic { up && fire_on && !db_fire && !resetting -> db_fire = true }
	/* an operator's reset: refused, or its row submitted */
	:: atomic { up && !resetting ->
		if
		:: t_reset[fire_on * 4 + in_known * 2 + in_active] == 1 ->
			assert(in_known && !in_active);
			resetting = true; reset_ok = false
		:: else -> skip
		fi }
	/* the reset's row commits (synchronous=FULL), or the write fails */
	:: atomic { up && resetting && !reset_ok -> db_fire = false; reset_ok = true }
	:: atomic { up && resetting && !reset_ok -> resetting = false;
		if :: fire_on -> db_fire = true :: else -> skip fi }
	/* fire_reset_done: checked again, then off, the latch, LOCK */
	:: atomic { up && resetting && reset_ok -> resetting = false;
		if
		:: t_reset[fire_on * 4 + in_known * 2 + in_active] == 1 ->
			fire_on = false; latched = false;
			latch_fire = false;
			send(LOCK, BY_RESET)
		:: else -> db_fire = true	/* on again */
		fi }
	/* check: while fire mode holds the lane and the engine has the
	 * turnstile answering, with nothing on the way to it, it is free */
	:: atomic { latched && up && worker && ts_up && ts_known && seen_pos == ts_pos &&
	    len(wire) == 0 ->
		assert(ts_pos == FREE) }
	/* lobbyd is killed at any moment between two steps of its loop */
	:: atomic { up -> up = false; worker = false; fire_on = false; resetting = false;
		reset_ok = false; owed = false; ts_known = false; in_known = false;
		pending = false; do :: wire?[_, _] -> wire?_, _ :: else -> break od }
	/* and starts: the mode from the database or the latch (fire_load) */
	:: atomic { !up -> up = true; worker = true;
		fire_on = t_load[db_fire * 2 + latch_fire];
		assert(!latched || fire_on);
		if :: fire_on && !latch_fire -> latch_fire = true :: else -> skip fi;
		if :: fire_on && !db_fire -> db_fire = true :: else -> skip fi }
	od
}

init {
	tbl_init();
	run world();
	run turnstile()
}
