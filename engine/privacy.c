/*
 * The site key, the keyed hash of ID numbers and their masked form. HMAC and
 * random bytes come from libsodium; nothing here logs an ID number.
 */
#include "privacy.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
key_create(const char *path, struct privacy_key *k, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	ssize_t n;

	if (fd == -1) {
		snprintf(err, errlen, "%s: creating the site key: %s", path, strerror(errno));
		return -1;
	}
	randombytes_buf(k->bytes, sizeof(k->bytes));
	n = write(fd, k->bytes, sizeof(k->bytes));
	if (n != (ssize_t)sizeof(k->bytes) || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: writing the site key: %s", path,
		    n < 0 ? strerror(errno) : "short write");
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd) == -1) {
		snprintf(err, errlen, "%s: writing the site key: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

int
privacy_key_load(const char *path, struct privacy_key *k, char *err, size_t errlen)
{
	struct stat st;
	ssize_t n;
	int fd;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "%s: libsodium could not start", path);
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1 && errno == ENOENT)
		return key_create(path, k, err, errlen);
	if (fd == -1) {
		snprintf(err, errlen, "%s: opening the site key: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: the site key is not a regular file", path);
		goto out_close;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: the site key may be read or changed by "
		    "others (mode %03o); it must be 0600", path,
		    (unsigned)(st.st_mode & 0777));
		goto out_close;
	}
	if (st.st_size != PRIVACY_KEY_LEN) {
		snprintf(err, errlen, "%s: the site key is %lld bytes, not %d",
		    path, (long long)st.st_size, PRIVACY_KEY_LEN);
		goto out_close;
	}
	n = read(fd, k->bytes, sizeof(k->bytes));
	if (n != PRIVACY_KEY_LEN) {
		snprintf(err, errlen, "%s: reading the site key: %s", path,
		    n < 0 ? strerror(errno) : "short read");
		goto out_close;
	}
	close(fd);
	return 0;
out_close:
	close(fd);
	return -1;
}

int
privacy_id_normalise(const char *number, char *out, size_t outlen, char *err,
    size_t errlen)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)number; *p; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		if (!isascii(*p) || !isalnum(*p)) {
			snprintf(err, errlen, "ID number: character %zu is not a "
			    "letter or a digit", (size_t)(p - (const unsigned char *)number) + 1);
			return -1;
		}
		if (n + 1 >= outlen || n >= PRIVACY_ID_MAX) {
			snprintf(err, errlen, "ID number: longer than %d characters",
			    PRIVACY_ID_MAX);
			return -1;
		}
		out[n++] = (char)toupper(*p);
	}
	if (n == 0) {
		snprintf(err, errlen, "ID number: empty");
		return -1;
	}
	out[n] = '\0';
	return 0;
}

void
privacy_hmac_hex(const uint8_t *key, size_t keylen, const void *data, size_t len,
    char out[PRIVACY_HASH_HEX])
{
	crypto_auth_hmacsha256_state st;
	uint8_t mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, data, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, PRIVACY_HASH_HEX, mac, sizeof(mac));
	sodium_memzero(&st, sizeof(st));
}

void
privacy_id_hash(const struct privacy_key *k, const char *id_type,
    const char *normalised, char out[PRIVACY_HASH_HEX])
{
	char buf[PRIVACY_ID_MAX + 40];
	int n = snprintf(buf, sizeof(buf), "%s:%s", id_type, normalised);

	if (n < 0 || (size_t)n >= sizeof(buf))
		n = (int)strlen(buf);
	privacy_hmac_hex(k->bytes, sizeof(k->bytes), buf, (size_t)n, out);
	sodium_memzero(buf, sizeof(buf));
}

void
privacy_id_mask(const char *normalised, char *out, size_t outlen)
{
	size_t n = strlen(normalised), show = n / 4 < 4 ? n / 4 : 4, i;

	if (outlen == 0)
		return;
	for (i = 0; i < n && i + 1 < outlen; i++)
		out[i] = i < show || i >= n - show ? normalised[i] : '*';
	out[i] = '\0';
}
