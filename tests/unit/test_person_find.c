/*
 * person.list's find (control/ctl_people.c): which people a find finds, from
 * a table of rows (the unit only for those who see units), the ASCII fold it
 * rests on (common/util.c), and its pages on the real control server: a
 * page holds fewer than "limit" only at the end, and "more" is said only
 * when another is found behind it.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "engine_support.h"
#include "../../control/control_int.h"
#include "../../control/ctl_desk_int.h"
#include "../../engine/desk.h"
#include "../../common/util.h"

static struct engine *e;

static void
test_fold(void)
{
	static const struct {
		const char	*hay, *needle;	/* needle as typed */
		bool		found;
	} rows[] = {
		{ "Acme Trading", "acme", true },
		{ "Acme Trading", "ACME t", true },
		{ "Acme Trading", "trading", true },
		{ "Acme Trading", "tradings", false },
		{ "Acme Trading", "", true },
		{ "", "a", false },
		{ "张伟明", "伟明", true },
		{ "张伟明", "明张", false },
		{ "aaab", "aab", true },		/* a false start, then found */
		{ "4403**********1234", "**1234", true },
		{ "4403**********1234", "12345", false },
		{ "Li WEI 3", "li wei", true },
		{ "Ölaf", "öl", false },		/* only ASCII letters fold */
		{ "Ölaf", "Öl", true },
	};
	char folded[64];

	for (size_t i = 0; i < NELEM(rows); i++) {
		str_fold_ascii(folded, rows[i].needle, sizeof(folded));
		CHECK_ROW(str_has_fold(rows[i].hay, folded) == rows[i].found,
		    "row %zu: \"%s\" in \"%s\"", i, rows[i].needle, rows[i].hay);
	}
	str_fold_ascii(folded, "ABCDEF", 4);
	CHECK_STR(folded, "abc");
}

static void
test_found(void)
{
	const struct person_rec p = { .id = 7, .kind = "tenant_staff",
		.name = "欧阳明华", .company = "Acme Trading", .unit = "0703",
		.id_mask = "4403**********1234" };
	static const struct {
		const char	*find;
		bool		units, found;
	} rows[] = {
		{ "明华", false, true },
		{ "欧阳", true, true },
		{ "acme", false, true },
		{ "ACME TRADING", false, true },
		{ "**1234", false, true },
		{ "0703", true, true },		/* the desk: by unit */
		{ "0703", false, false },	/* a guard: not by unit */
		{ "07", false, false },
		{ "7", false, false },		/* nor by the number on record */
		{ "华信", true, false },
	};
	char folded[64];

	for (size_t i = 0; i < NELEM(rows); i++) {
		str_fold_ascii(folded, rows[i].find, sizeof(folded));
		CHECK_ROW(ctl_person_found(&p, folded, rows[i].units) == rows[i].found,
		    "row %zu: \"%s\" (units %d)", i, rows[i].find, rows[i].units);
	}
}

/* person.list with args: the ids of its page into ids (n of them) and its
 * "more" into more ("" none); false when refused (error into more). */
static bool
list(const char *args, int64_t *ids, size_t *n, char *more, size_t len)
{
	char line[512], reply[1 << 16];
	json_object *r, *v, *d;
	bool ok;

	snprintf(line, sizeof(line), "{\"cmd\":\"person.list\",\"args\":%s}", args);
	*n = 0;
	more[0] = '\0';
	if (est_ctl_request(line, strlen(line), reply, sizeof(reply), 2000) < 0 ||
	    (r = json_tokener_parse(reply)) == NULL)
		return false;
	ok = json_object_object_get_ex(r, "ok", &v) && json_object_get_boolean(v);
	if (!ok && json_object_object_get_ex(r, "error", &v))
		snprintf(more, len, "%s", json_object_get_string(v));
	if (ok && json_object_object_get_ex(r, "more", &v))
		snprintf(more, len, "%s", json_object_get_string(v));
	if (ok && json_object_object_get_ex(r, "data", &d))
		for (size_t i = 0; i < json_object_array_length(d); i++)
			if (json_object_object_get_ex(json_object_array_get_idx(d, i),
			    "id", &v))
				ids[(*n)++] = json_object_get_int64(v);
	json_object_put(r);
	return ok;
}

static void
test_pages(void)
{
	int64_t ids[64];
	char more[256];
	size_t n;

	/* 1..30: every third an "Acme" contractor (3, 6, ... 30). */
	for (int i = 1; i <= 30; i++) {
		struct person_rec p = { .id = i, .status = "active" };

		snprintf(p.name, sizeof(p.name), "Person %d", i);
		str_copy(p.kind, i % 3 == 0 ? "contractor" : "tenant_staff", sizeof(p.kind));
		str_copy(p.company, i % 3 == 0 ? "Acme" : "华信科技", sizeof(p.company));
		CHECK(desk_put_person(e, &p) == 0);
	}
	CHECK(est_ctl_connect() == 0);
	/* Ten found: a page of four says its last; the last page of exactly
	 * the rest says nothing more. */
	CHECK(list("{\"find\":\"acme\",\"limit\":4}", ids, &n, more, sizeof(more)));
	CHECK_INT(n, 4);
	CHECK_INT(ids[0], 3);
	CHECK_INT(ids[3], 12);
	CHECK_STR(more, "12");
	CHECK(list("{\"find\":\"acme\",\"limit\":4,\"after\":\"24\"}", ids, &n, more,
	    sizeof(more)));
	CHECK_INT(n, 2);
	CHECK_INT(ids[1], 30);
	CHECK_STR(more, "");
	/* A page filled by the very last one found: no "more" after it. */
	CHECK(list("{\"find\":\"acme\",\"limit\":3,\"after\":\"21\"}", ids, &n, more,
	    sizeof(more)));
	CHECK_INT(n, 3);
	CHECK_STR(more, "");
	/* "after" between those found; kinds. */
	CHECK(list("{\"find\":\"ACME\",\"limit\":1,\"after\":\"4\"}", ids, &n, more,
	    sizeof(more)));
	CHECK_INT(n, 1);
	CHECK_INT(ids[0], 6);
	CHECK_STR(more, "6");
	CHECK(list("{\"kind\":\"tenant_staff\",\"limit\":2,\"after\":\"2\"}", ids, &n,
	    more, sizeof(more)));
	CHECK_INT(n, 2);
	CHECK_INT(ids[0], 4);
	CHECK_INT(ids[1], 5);
	CHECK_STR(more, "5");
	CHECK(list("{\"kind\":\"visitor\"}", ids, &n, more, sizeof(more)));
	CHECK_INT(n, 0);
	CHECK(list("{\"find\":\"Person 1\",\"kind\":\"contractor,tenant_staff\"}", ids,
	    &n, more, sizeof(more)));
	CHECK_INT(n, 11);	/* 1, 10..19 */
	CHECK(!list("{\"kind\":\"staff\"}", ids, &n, more, sizeof(more)));
	CHECK(strstr(more, "kind \"staff\"") != NULL);
	CHECK(!list("{\"find\":\"\\t\"}", ids, &n, more, sizeof(more)));
	CHECK(strstr(more, "a control character (0x09) at character 1") != NULL);
	est_ctl_disconnect();
}

int
main(void)
{
	log_init("test_person_find", false);
	test_fold();
	test_found();
	if ((e = est_start("personfind")) == NULL)
		return 1;
	test_pages();
	est_finish();
	return harness_done("test_person_find");
}
