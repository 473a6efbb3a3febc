/*
 * engine/privacy.c: the site key file, HMAC-SHA256 against RFC 4231, ID
 * normalising and masking.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../engine/privacy.h"
#include "harness.h"

static void
check_hmac(void)
{
	char hex[PRIVACY_HASH_HEX];
	uint8_t key20[20];

	/* RFC 4231 test cases 1 and 2. */
	memset(key20, 0x0b, sizeof(key20));
	privacy_hmac_hex(key20, sizeof(key20), "Hi There", 8, hex);
	CHECK_STR(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	privacy_hmac_hex((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28, hex);
	CHECK_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void
check_key_file(const char *dir)
{
	char path[256], err[256], hash1[PRIVACY_HASH_HEX], hash2[PRIVACY_HASH_HEX];
	struct privacy_key k1, k2;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/site.key", dir);
	CHECK_INT(privacy_key_load(path, &k1, err, sizeof(err)), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_INT(st.st_size, PRIVACY_KEY_LEN);
	/* The same key comes back, so hashes match across restarts. */
	CHECK_INT(privacy_key_load(path, &k2, err, sizeof(err)), 0);
	CHECK(memcmp(k1.bytes, k2.bytes, PRIVACY_KEY_LEN) == 0);
	privacy_id_hash(&k1, "passport", "E12345678", hash1);
	privacy_id_hash(&k2, "passport", "E12345678", hash2);
	CHECK_STR(hash1, hash2);
	/* The type is part of what is hashed. */
	privacy_id_hash(&k1, "other", "E12345678", hash2);
	CHECK(strcmp(hash1, hash2) != 0);
	CHECK(strstr(hash1, "12345678") == NULL);

	/* Readable by others: refused, named. */
	CHECK_INT(chmod(path, 0644), 0);
	CHECK_INT(privacy_key_load(path, &k2, err, sizeof(err)), -1);
	CHECK(strstr(err, path) != NULL && strstr(err, "0600") != NULL);
	CHECK_INT(chmod(path, 0600), 0);

	/* Wrong size: refused. */
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1);
	close(fd);
	CHECK_INT(privacy_key_load(path, &k2, err, sizeof(err)), -1);
	CHECK(strstr(err, "33 bytes") != NULL);

	/* A directory in its place: refused. */
	unlink(path);
	CHECK_INT(mkdir(path, 0700), 0);
	CHECK_INT(privacy_key_load(path, &k2, err, sizeof(err)), -1);
	CHECK(strstr(err, "not a regular file") != NULL);
	rmdir(path);

	/* Two fresh keys differ. */
	CHECK_INT(privacy_key_load(path, &k2, err, sizeof(err)), 0);
	CHECK(memcmp(k1.bytes, k2.bytes, PRIVACY_KEY_LEN) != 0);
	unlink(path);

	/* A directory that does not exist: refused, named. */
	snprintf(path, sizeof(path), "%s/no/such/site.key", dir);
	CHECK_INT(privacy_key_load(path, &k2, err, sizeof(err)), -1);
	CHECK(strstr(err, path) != NULL);
}

static void
check_normalise_mask(void)
{
	static const struct {
		const char *in, *norm, *mask;
	} ok[] = {
		{ "440301199001011234", "440301199001011234", "4403**********1234" },
		{ "4403 0119 9001 0112 34", "440301199001011234", "4403**********1234" },
		{ "e1234-5678", "E12345678", "E1*****78" },
		{ "ab", "AB", "**" },
		{ "ABCD", "ABCD", "A**D" },
		{ "1234567890123456789012345678901234567890", "1234567890123456789012345678901234567890",
		  "1234********************************7890" },
	};
	static const char *const bad[] = {
		"", "  - ", "4403/0119", "4403\n", "\xc3\xa9" "123",
		"12345678901234567890123456789012345678901",
	};
	char norm[PRIVACY_ID_MAX + 1], mask[PRIVACY_ID_MAX + 1], err[128];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK_INT(privacy_id_normalise(ok[i].in, norm, sizeof(norm), err, sizeof(err)), 0);
		CHECK_STR(norm, ok[i].norm);
		privacy_id_mask(norm, mask, sizeof(mask));
		CHECK_STR(mask, ok[i].mask);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK_INT(privacy_id_normalise(bad[i], norm, sizeof(norm), err, sizeof(err)), -1);
		CHECK(strncmp(err, "ID number: ", 11) == 0);
	}
	/* The error never repeats the number. */
	CHECK_INT(privacy_id_normalise("4403/0119", norm, sizeof(norm), err, sizeof(err)), -1);
	CHECK(strstr(err, "4403") == NULL);
	/* A short buffer cuts the mask, never overruns. */
	privacy_id_mask("440301199001011234", mask, 5);
	CHECK_STR(mask, "4403");
}

int
main(void)
{
	char dir[] = "/tmp/test_privacy.XXXXXX";

	if (mkdtemp(dir) == NULL)
		return 2;
	check_hmac();
	check_key_file(dir);
	check_normalise_mask();
	rmdir(dir);
	return harness_done("test_privacy");
}
