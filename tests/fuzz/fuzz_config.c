/*
 * Fuzzes the config loader (config/config_load) with site files. Its count of
 * errors must be the "FILE:LINE: ..." lines it wrote; a file it accepts must
 * be a consistent site (every name found at its own index, every reference
 * in range); and loading the same file twice must give the same site.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../config/config.h"

#define FAIL(...) do { fprintf(stderr, "fuzz_config: " __VA_ARGS__); \
	fputc('\n', stderr); abort(); } while (0)

static char path[64];
static struct site_conf site, again;

/* Errors written: lines, each naming the file (or an included one). */
static int
count_lines(const char *errs, size_t len)
{
	int n = 0;

	for (size_t i = 0; i < len; i++)
		n += errs[i] == '\n';
	if (len > 0 && errs[len - 1] != '\n')
		FAIL("error text does not end a line: %s", errs);
	return n;
}

static int
load(struct site_conf *s, char **errs, size_t *len)
{
	FILE *ef = open_memstream(errs, len);
	int n;

	if (ef == NULL)
		FAIL("open_memstream");
	n = config_load(path, s, ef);
	fclose(ef);
	return n;
}

static void
check_site(const struct site_conf *s)
{
	if (s->nlinks < 0 || s->nlinks > CONF_MAX_LINKS ||
	    s->ndevices < 0 || s->ndevices > CONF_MAX_DEVICES ||
	    s->nlanes < 0 || s->nlanes > CONF_MAX_LANES ||
	    s->nprofiles < 0 || s->nprofiles > CONF_MAX_PROFILES)
		FAIL("counts out of range");
	for (int i = 0; i < s->nlinks; i++)
		if (config_link_index(s, s->links[i].name) != i)
			FAIL("link %d (%s) not found at its index", i,
			    s->links[i].name);
	for (int i = 0; i < s->ndevices; i++) {
		const struct device_conf *d = &s->devices[i];

		if (config_device_index(s, d->name) != i)
			FAIL("device %d (%s) not found at its index", i, d->name);
		if (d->link < 0 || d->link >= s->nlinks)
			FAIL("device %s on link %d of %d", d->name, d->link,
			    s->nlinks);
	}
	for (int i = 0; i < s->nlanes; i++) {
		const struct lane_conf *l = &s->lanes[i];

		if (config_lane_index(s, l->name) != i)
			FAIL("lane %d (%s) not found at its index", i, l->name);
		if (l->turnstile < 0 || l->turnstile >= s->ndevices ||
		    s->devices[l->turnstile].kind != DEV_TURNSTILE)
			FAIL("lane %s: turnstile %d is not one", l->name,
			    l->turnstile);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *errs = NULL, *errs2 = NULL;
	size_t len = 0, len2 = 0;
	FILE *fp;
	int n, n2;

	if (path[0] == '\0') {
		int fd;

		snprintf(path, sizeof(path), "/tmp/fuzz_config.XXXXXX");
		if ((fd = mkstemp(path)) < 0)
			FAIL("mkstemp");
		close(fd);
	}
	if ((fp = fopen(path, "w")) == NULL)
		FAIL("%s", path);
	fwrite(data, 1, size, fp);
	fclose(fp);

	n = load(&site, &errs, &len);
	if (n < 0)
		FAIL("a readable file taken as unreadable: %s", errs);
	if (count_lines(errs, len) != n)
		FAIL("%d errors, but wrote:\n%s", n, errs);
	if (n == 0)
		check_site(&site);
	n2 = load(&again, &errs2, &len2);
	if (n2 != n || len2 != len || memcmp(errs, errs2, len) != 0)
		FAIL("a second load said otherwise");
	if (n == 0 && memcmp(&site, &again, sizeof(site)) != 0)
		FAIL("a second load of an accepted file gave another site");
	free(errs);
	free(errs2);
	return 0;
}
