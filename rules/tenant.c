/*
 * The tenant directory's rules (tenant.h): unit and phone numbers, a line
 * of the directory's CSV and how a company's lines agree, and the check of
 * a visitor's host against the directory.
 */
#include "tenant.h"

#include <stdio.h>
#include <string.h>

#include "../common/floors.h"

const char *const rule_notify_words[] = { "phone", NULL };

static bool
unit_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z') || c == '-' || c == '/' || c == '.';
}

bool
rule_unit_parse(const char *s, char *out)
{
	size_t n = strlen(s);

	if (n == 0 || n >= TENANT_UNIT_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!unit_char(s[i]))
			return false;
		out[i] = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];
	}
	out[n] = '\0';
	return true;
}

bool
rule_units_parse(const char *s, char units[][TENANT_UNIT_MAX], int *n, char *err,
    size_t errlen)
{
	const char *sep = ";, \t";

	*n = 0;
	while (*s != '\0') {
		char one[TENANT_UNIT_MAX], word[40];
		size_t len;

		s += strspn(s, sep);
		if ((len = strcspn(s, sep)) == 0)
			break;
		snprintf(word, sizeof(word), "%.*s", (int)len, s);
		if (len >= sizeof(word) || !rule_unit_parse(word, one)) {
			snprintf(err, errlen, "unit \"%.20s\": 1 to %d letters, "
			    "digits, '-', '/' or '.' expected", word,
			    TENANT_UNIT_MAX - 1);
			return false;
		}
		for (int i = 0; i < *n; i++)
			if (strcmp(units[i], one) == 0) {
				snprintf(err, errlen, "unit %s is named twice", one);
				return false;
			}
		if (*n == TENANT_UNITS_MAX) {
			snprintf(err, errlen, "more than %d units", TENANT_UNITS_MAX);
			return false;
		}
		memcpy(units[(*n)++], one, sizeof(one));
		s += len;
	}
	if (*n == 0) {
		snprintf(err, errlen, "no unit given");
		return false;
	}
	return true;
}

void
rule_units_str(char units[][TENANT_UNIT_MAX], int n, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s",
		    i ? ";" : "", units[i]);
}

bool
rule_phone_parse(const char *s, char out[TENANT_PHONE_MAX], char *err, size_t errlen)
{
	size_t o = 0;
	int digits = 0;

	s += strspn(s, " ");
	if (*s == '+')
		out[o++] = *s++;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9') {
			if (o + 1 >= TENANT_PHONE_MAX)
				break;
			out[o++] = *s;
			digits++;
		} else if (strchr(" -()", *s) == NULL) {
			snprintf(err, errlen, "phone: only digits, an opening '+', "
			    "blanks, '-' and brackets expected");
			return false;
		}
	}
	out[o] = '\0';
	if (*s != '\0' || digits > 20 || digits < 5) {
		snprintf(err, errlen, "phone: 5 to 20 digits expected");
		return false;
	}
	return true;
}

/* The next character of a name that counts, from *p: blanks folded into
 * one ' ' (none at either end), Latin letters lower-cased; 0 at the end. */
static int
name_next(const char **p)
{
	const char *s = *p;
	int c;

	if (*s == ' ' || *s == '\t') {
		s += strspn(s, " \t");
		if (*s == '\0') {
			*p = s;
			return 0;
		}
		*p = s;
		return ' ';
	}
	c = (unsigned char)*s;
	if (c == 0)
		return 0;
	*p = s + 1;
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

bool
rule_name_same(const char *a, const char *b)
{
	int ca, cb;

	a += strspn(a, " \t");
	b += strspn(b, " \t");
	if (*a == '\0' || *b == '\0')
		return false;
	do {
		ca = name_next(&a);
		cb = name_next(&b);
		if (ca != cb)
			return false;
	} while (ca != 0);
	return true;
}

static bool
given(const char *s)
{
	return s != NULL && s[strspn(s, " \t")] != '\0';
}

/* A text field into out: trimmed, not too long. */
static bool
text_field(const char *what, const char *s, char *out, size_t len, char *err,
    size_t errlen)
{
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= len) {
		snprintf(err, errlen, "%s is longer than %zu bytes", what, len - 1);
		return false;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

bool
rule_tenant_line(const struct tenant_csv *in, struct tenant_line *out, char *err,
    size_t errlen)
{
	char floors[FLOORS_STR_MAX], ferr[120];

	memset(out, 0, sizeof(*out));
	if (!given(in->company)) {
		snprintf(err, errlen, "the company is empty");
		return false;
	}
	if (!text_field("the company", in->company, out->company,
	    sizeof(out->company), err, errlen) ||
	    (given(in->short_name) && !text_field("the short name", in->short_name,
	    out->short_name, sizeof(out->short_name), err, errlen)))
		return false;
	if (given(in->units) && !rule_units_parse(in->units, out->units,
	    &out->nunits, err, errlen))
		return false;
	if (given(in->floors)) {
		size_t i;

		/* ';' as well as ',' between floors: a comma needs quotes in CSV. */
		snprintf(floors, sizeof(floors), "%s", in->floors);
		for (i = 0; floors[i] != '\0'; i++)
			if (floors[i] == ';')
				floors[i] = ',';
		if (strlen(in->floors) >= sizeof(floors) ||
		    floors_parse(floors, &out->floors, ferr, sizeof(ferr)) == -1) {
			snprintf(err, errlen, "floors: %s", ferr);
			return false;
		}
		out->has_floors = true;
	}
	if (!given(in->contact)) {
		if (given(in->phone) || given(in->role) || given(in->notify) ||
		    given(in->notify_detail)) {
			snprintf(err, errlen, "a phone, role or notify without a "
			    "contact's name");
			return false;
		}
		return true;
	}
	out->has_contact = true;
	if (!text_field("the contact", in->contact, out->contact,
	    sizeof(out->contact), err, errlen))
		return false;
	if (!given(in->phone)) {
		snprintf(err, errlen, "contact %s has no phone", out->contact);
		return false;
	}
	if (!rule_phone_parse(in->phone, out->phone, err, errlen) ||
	    (given(in->role) && !text_field("the role", in->role, out->role,
	    sizeof(out->role), err, errlen)) ||
	    (given(in->notify_detail) && !text_field("notify_detail",
	    in->notify_detail, out->notify_detail, sizeof(out->notify_detail),
	    err, errlen)))
		return false;
	snprintf(out->notify, sizeof(out->notify), "phone");
	if (given(in->notify)) {
		const char *const *w;

		for (w = rule_notify_words; *w != NULL; w++)
			if (rule_name_same(in->notify, *w))
				break;
		if (*w == NULL) {
			snprintf(err, errlen, "notify \"%.20s\": phone expected "
			    "(the only way for now)", in->notify);
			return false;
		}
		snprintf(out->notify, sizeof(out->notify), "%s", *w);
	}
	return true;
}

static bool
same_units(const struct tenant_line *a, const struct tenant_line *b)
{
	if (a->nunits != b->nunits)
		return false;
	for (int i = 0; i < a->nunits; i++) {
		int j;

		for (j = 0; j < b->nunits; j++)
			if (strcmp(a->units[i], b->units[j]) == 0)
				break;
		if (j == b->nunits)
			return false;
	}
	return true;
}

bool
rule_tenant_line_agrees(struct tenant_line *first, const struct tenant_line *next,
    char *err, size_t errlen)
{
	if (next->short_name[0] != '\0') {
		if (first->short_name[0] == '\0')
			memcpy(first->short_name, next->short_name,
			    sizeof(first->short_name));
		else if (strcmp(first->short_name, next->short_name) != 0) {
			snprintf(err, errlen, "%s: short name %s differs from %s on "
			    "its first line", first->company, next->short_name,
			    first->short_name);
			return false;
		}
	}
	if (next->nunits > 0) {
		if (first->nunits == 0) {
			memcpy(first->units, next->units, sizeof(first->units));
			first->nunits = next->nunits;
		} else if (!same_units(first, next)) {
			snprintf(err, errlen, "%s: its units differ from those on "
			    "its first line", first->company);
			return false;
		}
	}
	if (next->has_floors) {
		if (!first->has_floors) {
			first->floors = next->floors;
			first->has_floors = true;
		} else if (first->floors != next->floors) {
			snprintf(err, errlen, "%s: its floors differ from those on "
			    "its first line", first->company);
			return false;
		}
	}
	return true;
}

struct host_verdict
rule_host_check(const struct host_facts *f)
{
	struct host_verdict v = { .allowed = true, .code = HOST_LISTED };

	if (f->directory_empty) {
		v.code = HOST_UNCHECKED;
		v.record_reason = f->has_reason;
		return v;
	}
	if (f->unit_known && f->contact_matched)
		return v;
	v.code = f->unit_known ? HOST_NOT_CONTACT : HOST_UNKNOWN_UNIT;
	if (f->has_reason) {
		v.code = HOST_OUTSIDE;
		v.record_reason = true;
		return v;
	}
	v.allowed = false;
	return v;
}

const char *
rule_host_code(enum host_code c)
{
	switch (c) {
	case HOST_LISTED:	return "host_listed";
	case HOST_UNCHECKED:	return "host_unchecked";
	case HOST_OUTSIDE:	return "host_outside";
	case HOST_UNKNOWN_UNIT:	return "host_unit_unknown";
	case HOST_NOT_CONTACT:	return "host_not_contact";
	}
	return "?";
}

const char *
rule_host_text(enum host_code c)
{
	switch (c) {
	case HOST_LISTED:	return "The host is a contact of the unit's tenant";
	case HOST_UNCHECKED:	return "The tenant directory is empty: the host is not checked";
	case HOST_OUTSIDE:	return "A host outside the tenant directory, with a reason";
	case HOST_UNKNOWN_UNIT:	return "The host unit is not in the tenant directory";
	case HOST_NOT_CONTACT:	return "The host is not a contact of the unit's tenant";
	}
	return "?";
}
