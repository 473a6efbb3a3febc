/*
 * lobbysim's desk identity card reader: the reader's end of the protocol
 * (drivers/idcard.h) on the link's pty, with a card laid on it or not, and
 * the faults a desk sees: a garbled reply, a card taken away mid-read, a
 * reader that stops answering.
 *
 *   idcard READER put NUMBER NAME [until=YYYYMMDD|长期] [sex=1|2]
 *   idcard READER remove | badsum | pull | silent on|off | status
 */
#include "sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/util.h"
#include "../drivers/idcard.h"

struct sim_idcard {
	bool			card;		/* one lies on the reader */
	struct idcard_info	info;
	bool			badsum;		/* the next reply is garbled */
	bool			pull;		/* the card leaves during the next read */
	bool			silent;		/* answers nothing */
	uint8_t			rx[64];
	size_t			rxlen;
	uint64_t		requests, reads;
};

static struct sim_idcard *
state_of(struct sim_link *l)
{
	if (l->idc == NULL && (l->idc = calloc(1, sizeof(*l->idc))) == NULL)
		log_err("%s: out of memory", l->conf->name);
	return l->idc;
}

void
sim_idcard_free(struct sim_link *l)
{
	free(l->idc);
	l->idc = NULL;
}

/* The reader's answer to one request (cmd, its checksum right or not). */
static void
answer(struct sim_link *l, struct sim_idcard *s, unsigned cmd, bool sum_ok)
{
	static uint8_t out[IDCARD_REPLY_MAX], data[4 + IDCARD_BASE_LEN + 1024];
	uint8_t sw3 = IDCARD_SW_BAD_CMD;
	size_t nd = 0, n;
	char err[160];

	/* Find answers four zero bytes, select eight: the card's serial,
	 * which lobbyd does not use. */
	memset(data, 0, 8);
	if (!sum_ok) {
		sw3 = IDCARD_SW_BAD_SUM;
	} else if (cmd == IDCARD_FIND) {
		sw3 = s->card ? IDCARD_SW_FOUND : IDCARD_SW_NO_CARD;
		nd = s->card ? 4 : 0;
	} else if (cmd == IDCARD_SELECT) {
		sw3 = s->card ? IDCARD_SW_OK : IDCARD_SW_SELECT_FAIL;
		nd = s->card ? 8 : 0;
	} else if (cmd == IDCARD_READ && (!s->card || s->pull)) {
		sw3 = IDCARD_SW_READ_FAIL;
		if (s->pull)
			s->card = s->pull = false;
	} else if (cmd == IDCARD_READ) {
		sw3 = IDCARD_SW_OK;
		data[0] = 0x01, data[1] = 0x00, data[2] = 0x04, data[3] = 0x00;
		idcard_encode_base(&s->info, data + 4);
		memset(data + 4 + IDCARD_BASE_LEN, 0, 1024);	/* a blank photo */
		nd = sizeof(data);
		s->reads++;
	}
	n = idcard_reply_frame(sw3, data, nd, out, sizeof(out));
	if (s->badsum) {
		out[n - 1] ^= 0xff;
		s->badsum = false;
	}
	if (sim_reader_write(l, out, n, err, sizeof(err)) == -1)
		log_warn("%s", err);
}

/* Requests arrive whole or in pieces; each is ten bytes. */
void
sim_idcard_input(struct sim *sim, struct sim_link *l)
{
	static const uint8_t pre[] = { 0xaa, 0xaa, 0xaa, 0x96, 0x69 };
	struct sim_idcard *s = state_of(l);
	uint8_t buf[256];
	ssize_t n;

	(void)sim;
	if (s == NULL)
		return;
	while ((n = read(l->pty.master, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			uint8_t x = 0;

			s->rx[s->rxlen++] = buf[i];
			/* Keep only what can still be a request's start. */
			while (s->rxlen > 0 && memcmp(s->rx, pre, s->rxlen < sizeof(pre) ?
			    s->rxlen : sizeof(pre)) != 0) {
				memmove(s->rx, s->rx + 1, --s->rxlen);
			}
			if (s->rxlen < IDCARD_REQUEST_LEN)
				continue;
			s->rxlen = 0;
			s->requests++;
			if (s->silent)
				continue;
			for (int k = 5; k < 9; k++)
				x ^= s->rx[k];
			answer(l, s, (unsigned)s->rx[7] << 8 | s->rx[8], x == s->rx[9]);
		}
	}
}

static struct sim_link *
find_idcard(struct sim *sim, const char *name, char *out, size_t size)
{
	for (int i = 0; i < sim->site.nlinks; i++) {
		struct sim_link *l = &sim->links[i];

		if (l->conf != NULL && l->conf->type == LINK_SERIAL_READER &&
		    l->conf->format == CARD_IDCARD && strcmp(l->conf->name, name) == 0)
			return l;
	}
	str_printf(out, size, "error no identity card reader \"%s\"", name);
	return NULL;
}

/* put NUMBER NAME [until=..] [sex=..]: what the rest of the card says is
 * made up from the number (birth date) and a fixed office. */
static void
put_card(struct sim_idcard *s, int argc, char **argv, char *out, size_t size)
{
	struct idcard_info in = { .sex = '1', .nation = "01",
	    .address = "北京市东城区景山前街4号", .authority = "北京市公安局东城分局",
	    .valid_from = "20200101", .valid_until = "20400101" };

	if (argc < 5 || strlen(argv[3]) != 18) {
		str_printf(out, size, "error usage: idcard READER put NUMBER(18) NAME "
		    "[until=YYYYMMDD|长期] [sex=1|2]");
		return;
	}
	str_copy(in.number, argv[3], sizeof(in.number));
	str_copy(in.name, argv[4], sizeof(in.name));
	memcpy(in.birth, argv[3] + 6, 8);
	in.birth[8] = '\0';
	for (int i = 5; i < argc; i++) {
		if (strncmp(argv[i], "until=", 6) == 0)
			str_copy(in.valid_until, argv[i] + 6, sizeof(in.valid_until));
		else if (strncmp(argv[i], "sex=", 4) == 0 && argv[i][4] != '\0')
			in.sex = argv[i][4];
		else {
			str_printf(out, size, "error idcard put: \"%.40s\" is neither "
			    "until=... nor sex=...", argv[i]);
			return;
		}
	}
	s->info = in;
	s->card = true;
	str_printf(out, size, "ok");
}

void
sim_idcard_ctl(struct sim *sim, int argc, char **argv, char *out, size_t size)
{
	struct sim_link *l;
	struct sim_idcard *s;
	const char *what = argc > 2 ? argv[2] : "";

	if (argc < 3) {
		str_printf(out, size, "error usage: idcard READER put|remove|badsum|"
		    "pull|silent|status ...");
		return;
	}
	if ((l = find_idcard(sim, argv[1], out, size)) == NULL)
		return;
	if ((s = state_of(l)) == NULL) {
		str_printf(out, size, "error out of memory");
		return;
	}
	if (strcmp(what, "put") == 0) {
		put_card(s, argc, argv, out, size);
	} else if (strcmp(what, "remove") == 0 && argc == 3) {
		s->card = false;
		str_printf(out, size, "ok");
	} else if (strcmp(what, "badsum") == 0 && argc == 3) {
		s->badsum = true;
		str_printf(out, size, "ok");
	} else if (strcmp(what, "pull") == 0 && argc == 3) {
		s->pull = true;
		str_printf(out, size, "ok");
	} else if (strcmp(what, "silent") == 0 && argc == 4 &&
	    (strcmp(argv[3], "on") == 0 || strcmp(argv[3], "off") == 0)) {
		s->silent = strcmp(argv[3], "on") == 0;
		str_printf(out, size, "ok");
	} else if (strcmp(what, "status") == 0 && argc == 3) {
		str_printf(out, size, "ok card=%d requests=%llu reads=%llu silent=%d",
		    s->card, (unsigned long long)s->requests,
		    (unsigned long long)s->reads, s->silent);
	} else {
		str_printf(out, size, "error idcard: \"%.32s\" is not put, remove, "
		    "badsum, pull, silent on|off or status", what);
	}
}
