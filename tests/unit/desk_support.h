/*
 * What the front desk's two unit programs share (test_desk, test_desk_privacy):
 * the desk's store requests made and run, people and passes made and put,
 * what is loaded at start, and the records found in it.
 */
#ifndef LOBBYD_DESK_SUPPORT_H
#define LOBBYD_DESK_SUPPORT_H

#include "store_support.h"

#define MS_DAY		86400000LL
/* 2026-11-23 00:00 UTC: "now" for the records below. */
#define NOW		1795392000000LL

static inline struct store_req
dreq(enum desk_action a)
{
	struct store_req r = mkreq(STORE_DESK);

	r.in.desk.action = a;
	return r;
}

static inline struct person_rec
mkperson(const char *kind, const char *name, int64_t created)
{
	struct person_rec p;

	memset(&p, 0, sizeof(p));
	str_copy(p.kind, kind, sizeof(p.kind));
	str_copy(p.status, "active", sizeof(p.status));
	str_copy(p.name, name, sizeof(p.name));
	p.created_ms = p.updated_ms = created;
	str_copy(p.created_by, "desk1", sizeof(p.created_by));
	return p;
}

static inline struct pass_rec
mkpass(int64_t person, const char *cred, const char *state, int64_t issued,
    int64_t ended)
{
	struct pass_rec p;

	memset(&p, 0, sizeof(p));
	p.person = person;
	str_copy(p.credential, cred, sizeof(p.credential));
	str_copy(p.state, state, sizeof(p.state));
	p.issued_ms = issued;
	p.ended_ms = ended;
	str_copy(p.issued_by, "desk1", sizeof(p.issued_by));
	return p;
}

/* Runs r, which puts a what, checking that it succeeds (else saying why):
 * the id of the row put. */
static inline int64_t
put_run(struct store *s, struct store_req *r, const char *what)
{
	CHECK_INT(store_run(s, r), 0);
	if (r->status != 0)
		fprintf(stderr, "%s put: %s\n", what, r->error);
	return r->id;
}

static inline int64_t
person_put(struct store *s, struct person_rec p)
{
	struct store_req r = dreq(DESK_PERSON_PUT);

	r.in.desk.person = p;
	return put_run(s, &r, "person");
}

static inline int64_t
pass_put(struct store *s, struct pass_rec p)
{
	struct store_req r = dreq(DESK_PASS_PUT);

	r.in.desk.pass = p;
	return put_run(s, &r, "pass");
}

/* DESK_LOAD at now into l; 0 or -1. */
static inline int
load(struct store *s, int64_t now, struct desk_load *l)
{
	struct store_req r = dreq(DESK_LOAD);

	memset(l, 0, sizeof(*l));
	r.in.desk.load = l;
	r.in.desk.now_ms = now;
	return store_run(s, &r);
}

static inline const struct person_rec *
find_person(const struct desk_load *l, int64_t id)
{
	for (size_t i = 0; i < l->npeople; i++)
		if (l->people[i].id == id)
			return &l->people[i];
	return NULL;
}

/* A person as loaded, every field, against what it should be. */
static inline void
check_person(const struct person_rec *got, const struct person_rec *want)
{
	CHECK_INT(got->id, want->id);
	CHECK_STR(got->kind, want->kind);
	CHECK_STR(got->status, want->status);
	CHECK_STR(got->name, want->name);
	CHECK_STR(got->id_type, want->id_type);
	CHECK_STR(got->id_hash, want->id_hash);
	CHECK_STR(got->id_mask, want->id_mask);
	CHECK_STR(got->company, want->company);
	CHECK_STR(got->unit, want->unit);
	CHECK_STR(got->schedule, want->schedule);
	CHECK_INT(got->created_ms, want->created_ms);
	CHECK_STR(got->created_by, want->created_by);
	CHECK_INT(got->updated_ms, want->updated_ms);
	CHECK_INT(got->purged_ms, want->purged_ms);
}

static inline const struct pass_rec *
find_pass(const struct pass_rec *v, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].id == id)
			return &v[i];
	return NULL;
}

/* DESK_PASS_LIST (all or live) issued since; rows left in r. */
static inline int
pass_list(struct store *s, struct store_req *r, bool all, int64_t since)
{
	*r = dreq(DESK_PASS_LIST);
	r->in.desk.all = all;
	r->in.desk.since_ms = since;
	return store_run(s, r);
}

#endif
