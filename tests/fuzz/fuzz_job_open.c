/*
 * fuzz_job_open.c — job_open_sealed, the reader of sealed print jobs.
 *
 * Random bytes never get past the sealed key and the AEAD tags, so the
 * harness seals the input itself, in the format of codegen/job.c, to a
 * fixed print house key (keys_from_seed(0, KEYS_SCHEME_BOX, FUZZ_BOX_SEED)):
 *
 *   "SLJOB\0\0\1" || recipient pk || sealed file key || secretstream header
 *   then per record: u32 BE ciphertext length || ciphertext
 *
 * A record's plaintext is type (1) || path length (u16 BE) || data length
 * (u32 BE) || path || data; the last record (END, data = u64 BE count of
 * the records before it) is tagged FINAL. The input is
 *
 *   flags (1) [ flip offset (u16 BE) if FUZZ_FLIP ] body
 *
 * and body is, by the flags:
 *   FUZZ_RAW_FILE     the sealed file itself, unchanged;
 *   FUZZ_RAW_RECORDS  plaintext records, each u16 BE length || plaintext,
 *                     the last one tagged FINAL (headers are the fuzzer's);
 *   otherwise         records type (1) || path length (1) || path ||
 *                     data length (u16 BE) || data, with correct headers,
 *                     and the harness adds the END record.
 * Further flags damage the stream: a wrong END count, no END, sealing to
 * another key, one flipped bit (flip offset: bit number << 13 | byte
 * offset, modulo the file's length), a trailing byte, END first.
 *
 * libsodium's randomness is replaced by a deterministic generator, reset
 * for each input, so that an input always makes the same file.
 *
 * Invariants: job_open_sealed writes only inside the work directory: after
 * a failure the output directory does not exist and no temporary is left;
 * after a success it holds exactly the records' directories and files with
 * exactly their bytes, at exactly their paths, and nothing else.
 */
#include "fuzz.h"
#include "codegen/job.h"
#include "codegen/keys.h"
#include "common/buf.h"
#include "common/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_RAW_FILE		0x01
#define FUZZ_RAW_RECORDS	0x02
#define FUZZ_BAD_COUNT		0x04
#define FUZZ_NO_END		0x08
#define FUZZ_OTHER_KEY		0x10
#define FUZZ_FLIP		0x20
#define FUZZ_TRAILING		0x40
#define FUZZ_END_FIRST		0x80

#define FUZZ_MAGIC "SLJOB\0\0\1"
#define FUZZ_MAGIC_LEN 8
#define FUZZ_REC_HDR 7
#define FUZZ_RECORDS_MAX 256
#define FUZZ_APPEND_MAX 8

static const uint8_t fuzz_box_seed[KEYS_SEED_BYTES] = FUZZ_BOX_SEED;
static const uint8_t fuzz_other_seed[KEYS_SEED_BYTES] = FUZZ_OTHER_BOX_SEED;

/* One plaintext record inside the plaintext buffer. */
struct fuzz_rec {
	size_t off;
	size_t len;
	int final;
};

/* Reads a big-endian integer of n bytes. */
static size_t
fuzz_be(const uint8_t *p, int n)
{
	size_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Appends a plaintext record header to plain. */
static void
fuzz_put_header(struct buf *plain, int type, size_t plen, size_t dlen)
{
	uint8_t h[FUZZ_REC_HDR] = { (uint8_t)type, (uint8_t)(plen >> 8),
	    (uint8_t)plen, (uint8_t)(dlen >> 24), (uint8_t)(dlen >> 16),
	    (uint8_t)(dlen >> 8), (uint8_t)dlen };

	FUZZ_CHECK(buf_append(plain, h, sizeof(h)) == 0);
}

/* Splits the body into plaintext records; returns how many. */
static size_t
fuzz_records(const uint8_t *p, size_t n, int flags, struct buf *plain,
    struct fuzz_rec *recs)
{
	size_t nrec = 0, i = 0, count;
	uint8_t cnt[8];

	while (i < n && nrec < FUZZ_RECORDS_MAX - 2) {
		struct fuzz_rec *r = &recs[nrec++];

		r->off = plain->len;
		r->final = 0;
		if (flags & FUZZ_RAW_RECORDS) {
			size_t len = 0;

			if (n - i >= 2) {
				len = fuzz_be(p + i, 2);
				i += 2;
				if (len > n - i)
					len = n - i;
			} else
				i = n;
			FUZZ_CHECK(buf_append(plain, p + i, len) == 0);
			i += len;
		} else {
			int type = p[i++];
			size_t plen = i < n ? p[i++] : 0, dlen;
			const uint8_t *path = p + i;

			if (plen > n - i)
				plen = n - i;
			i += plen;
			dlen = i + 2 <= n ? fuzz_be(p + i, 2) : 0;
			i = i + 2 <= n ? i + 2 : n;
			if (dlen > n - i)
				dlen = n - i;
			fuzz_put_header(plain, type, plen, dlen);
			FUZZ_CHECK(buf_append(plain, path, plen) == 0);
			FUZZ_CHECK(buf_append(plain, p + i, dlen) == 0);
			i += dlen;
		}
		recs[nrec - 1].len = plain->len - r->off;
	}
	if (flags & FUZZ_RAW_RECORDS) {
		if (nrec > 0)
			recs[nrec - 1].final = 1;
		return nrec;
	}
	if (flags & FUZZ_NO_END)
		return nrec;
	count = nrec + ((flags & FUZZ_BAD_COUNT) ? 1 : 0);
	if (flags & FUZZ_END_FIRST)
		count = (flags & FUZZ_BAD_COUNT) ? 1 : 0;
	for (int b = 0; b < 8; b++)
		cnt[b] = (uint8_t)((uint64_t)count >> (56 - 8 * b));
	recs[nrec].off = plain->len;
	recs[nrec].final = 1;
	fuzz_put_header(plain, 'E', 0, sizeof(cnt));
	FUZZ_CHECK(buf_append(plain, cnt, sizeof(cnt)) == 0);
	recs[nrec].len = plain->len - recs[nrec].off;
	if (flags & FUZZ_END_FIRST) {
		struct fuzz_rec end = recs[nrec];

		memmove(recs + 1, recs, nrec * sizeof(*recs));
		recs[0] = end;
	}
	return nrec + 1;
}

/* Seals the records into out, as job.c writes a sealed job. */
static void
fuzz_seal(const uint8_t pk[32], const struct buf *plain,
    const struct fuzz_rec *recs, size_t nrec, struct buf *out)
{
	crypto_secretstream_xchacha20poly1305_state ss;
	uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	uint8_t sealed[crypto_box_SEALBYTES + sizeof(key)];
	uint8_t hdr[crypto_secretstream_xchacha20poly1305_HEADERBYTES];

	crypto_secretstream_xchacha20poly1305_keygen(key);
	FUZZ_CHECK(crypto_box_seal(sealed, key, sizeof(key), pk) == 0);
	crypto_secretstream_xchacha20poly1305_init_push(&ss, hdr, key);
	FUZZ_CHECK(buf_append(out, FUZZ_MAGIC, FUZZ_MAGIC_LEN) == 0);
	FUZZ_CHECK(buf_append(out, pk, 32) == 0);
	FUZZ_CHECK(buf_append(out, sealed, sizeof(sealed)) == 0);
	FUZZ_CHECK(buf_append(out, hdr, sizeof(hdr)) == 0);
	for (size_t i = 0; i < nrec; i++) {
		size_t clen = recs[i].len +
		    crypto_secretstream_xchacha20poly1305_ABYTES;
		uint8_t lenb[4] = { (uint8_t)(clen >> 24), (uint8_t)(clen >> 16),
		    (uint8_t)(clen >> 8), (uint8_t)clen };

		FUZZ_CHECK(buf_append(out, lenb, 4) == 0);
		FUZZ_CHECK(buf_reserve(out, clen) == 0);
		crypto_secretstream_xchacha20poly1305_push(&ss,
		    out->data + out->len, NULL, plain->data + recs[i].off,
		    recs[i].len, NULL, 0, recs[i].final ?
		    crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
		out->len += clen;
	}
}

/* Checks that dir holds no entries but the allowed names. */
static void
fuzz_only_entries(const char *dir, const char *a, const char *b)
{
	struct dirent *de;
	DIR *d;

	FUZZ_CHECK((d = opendir(dir)) != NULL);
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;

		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0 ||
		    (a != NULL && strcmp(n, a) == 0) ||
		    (b != NULL && strcmp(n, b) == 0))
			continue;
		fprintf(stderr, "unexpected entry %s/%s\n", dir, n);
		FUZZ_CHECK(!"job_open_sealed wrote only where it should");
	}
	closedir(d);
}

static size_t fuzz_tree_entries;

/* Counts the entries of the restored tree; only files and directories. */
static int
fuzz_count_cb(const char *path, const struct stat *st, int flag,
    struct FTW *f)
{
	(void)path;
	FUZZ_CHECK(flag == FTW_F || flag == FTW_D);
	FUZZ_CHECK(S_ISREG(st->st_mode) || S_ISDIR(st->st_mode));
	if (f->level > 0)
		fuzz_tree_entries++;
	return 0;
}

/* Checks that the file at dfd/rel holds exactly data at offset off. */
static void
fuzz_check_bytes(int dfd, const char *rel, size_t off, const uint8_t *data,
    size_t len)
{
	uint8_t chunk[4096];
	int fd;

	FUZZ_CHECK((fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC)) >= 0);
	while (len > 0) {
		size_t n = len < sizeof(chunk) ? len : sizeof(chunk);

		FUZZ_CHECK(pread(fd, chunk, n, (off_t)off) == (ssize_t)n);
		FUZZ_CHECK(memcmp(chunk, data, n) == 0);
		off += n;
		data += n;
		len -= n;
	}
	close(fd);
}

/* Checks that a restored path is relative with no ".", ".." or "". */
static void
fuzz_check_rel(const char *rel)
{
	const char *c = rel;

	FUZZ_CHECK(rel[0] != '/');
	for (;;) {
		size_t n = strcspn(c, "/");

		FUZZ_CHECK(n > 0);
		FUZZ_CHECK(!(n == 1 && c[0] == '.'));
		FUZZ_CHECK(!(n == 2 && c[0] == '.' && c[1] == '.'));
		if (c[n] == '\0')
			break;
		c += n + 1;
	}
}

/* Checks a restored job against its plaintext records. */
static void
fuzz_check_restored(const char *out, const struct buf *plain,
    const struct fuzz_rec *recs, size_t nrec)
{
	char apath[FUZZ_APPEND_MAX][256];
	size_t alen[FUZZ_APPEND_MAX], napp = 0, want = 0;
	struct stat sb;
	int dfd;

	FUZZ_CHECK((dfd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0);
	for (size_t i = 0; i < nrec; i++) {
		const uint8_t *p = plain->data + recs[i].off;
		size_t plen, dlen, k;
		char rel[256];

		if (recs[i].final)
			continue;
		FUZZ_CHECK(recs[i].len >= FUZZ_REC_HDR);
		plen = fuzz_be(p + 1, 2);
		dlen = fuzz_be(p + 3, 4);
		FUZZ_CHECK(FUZZ_REC_HDR + plen + dlen == recs[i].len);
		FUZZ_CHECK(plen > 0 && plen < sizeof(rel));
		/* The name written is exactly the record's path. */
		FUZZ_CHECK(memchr(p + FUZZ_REC_HDR, '\0', plen) == NULL);
		memcpy(rel, p + FUZZ_REC_HDR, plen);
		rel[plen] = '\0';
		fuzz_check_rel(rel);
		switch (p[0]) {
		case 'D':
			FUZZ_CHECK(fstatat(dfd, rel, &sb, AT_SYMLINK_NOFOLLOW) ==
			    0 && S_ISDIR(sb.st_mode));
			want++;
			break;
		case 'F':
			FUZZ_CHECK(fstatat(dfd, rel, &sb, AT_SYMLINK_NOFOLLOW) ==
			    0 && S_ISREG(sb.st_mode));
			FUZZ_CHECK((size_t)sb.st_size == dlen);
			fuzz_check_bytes(dfd, rel, 0, p + FUZZ_REC_HDR + plen,
			    dlen);
			want++;
			break;
		case 'A':
			for (k = 0; k < napp; k++)
				if (strcmp(apath[k], rel) == 0)
					break;
			if (k == napp) {
				FUZZ_CHECK(napp < FUZZ_APPEND_MAX);
				strcpy(apath[napp], rel);
				alen[napp++] = 0;
				want++;
			}
			fuzz_check_bytes(dfd, rel, alen[k],
			    p + FUZZ_REC_HDR + plen, dlen);
			alen[k] += dlen;
			break;
		default:
			FUZZ_CHECK(!"only D, F and A records are restored");
		}
	}
	for (size_t k = 0; k < napp; k++) {
		FUZZ_CHECK(fstatat(dfd, apath[k], &sb, AT_SYMLINK_NOFOLLOW) == 0);
		FUZZ_CHECK(S_ISREG(sb.st_mode) && (size_t)sb.st_size == alen[k]);
	}
	close(dfd);
	fuzz_tree_entries = 0;
	FUZZ_CHECK(nftw(out, fuzz_count_cb, 16, FTW_PHYS) == 0);
	FUZZ_CHECK(fuzz_tree_entries == want);
}

/* One input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct keypair *box, *other;
	static struct fuzz_rec recs[FUZZ_RECORDS_MAX];
	struct buf plain = { 0 }, file = { 0 };
	char work[PATH_MAX], sealed[PATH_MAX], out[PATH_MAX];
	const char *why = NULL;
	size_t nrec = 0, flip = 0;
	struct stat sb;
	int flags, ret;

	if (box == NULL) {
		fuzz_rng_install();
		FUZZ_CHECK(sodium_init() >= 0);
		FUZZ_CHECK(keys_from_seed(0, KEYS_SCHEME_BOX, fuzz_box_seed,
		    &box) == 0);
		FUZZ_CHECK(keys_from_seed(0, KEYS_SCHEME_BOX, fuzz_other_seed,
		    &other) == 0);
	}
	fuzz_rng_reset();
	if (size == 0)
		return 0;
	flags = data[0];
	data++;
	size--;
	if ((flags & FUZZ_FLIP) && !(flags & FUZZ_RAW_FILE)) {
		if (size < 2)
			return 0;
		flip = fuzz_be(data, 2);
		data += 2;
		size -= 2;
	}
	if (flags & FUZZ_RAW_FILE) {
		FUZZ_CHECK(buf_append(&file, data, size) == 0);
	} else {
		nrec = fuzz_records(data, size, flags, &plain, recs);
		fuzz_seal((flags & FUZZ_OTHER_KEY) ? other->public : box->public,
		    &plain, recs, nrec, &file);
		if (flags & FUZZ_FLIP)
			file.data[(flip & 0x1fff) % file.len] ^=
			    (uint8_t)(1u << (flip >> 13));
		if (flags & FUZZ_TRAILING)
			FUZZ_CHECK(buf_append(&file, "", 1) == 0);
	}

	fuzz_path(work, fuzz_tmpdir(), "job");
	fuzz_path(sealed, work, "sealed");
	fuzz_path(out, work, "out");
	if (mkdir(work, 0700) < 0)
		FUZZ_CHECK(errno == EEXIST);
	fuzz_write_file(sealed, file.data, file.len);

	ret = job_open_sealed(sealed, box, out, &why);

	/* Nothing appears beside the work directory's two names. */
	fuzz_only_entries(fuzz_tmpdir(), "job", NULL);
	if (ret == 0) {
		fuzz_only_entries(work, "sealed", "out");
		if (flags & FUZZ_RAW_FILE) {
			fuzz_tree_entries = 0;
			FUZZ_CHECK(nftw(out, fuzz_count_cb, 16, FTW_PHYS) == 0);
		} else {
			/* Damage is always detected. */
			FUZZ_CHECK(!(flags & (FUZZ_OTHER_KEY | FUZZ_FLIP |
			    FUZZ_TRAILING)));
			FUZZ_CHECK((flags & FUZZ_RAW_RECORDS) ||
			    !(flags & (FUZZ_BAD_COUNT | FUZZ_NO_END)));
			FUZZ_CHECK((flags & FUZZ_RAW_RECORDS) ||
			    !(flags & FUZZ_END_FIRST) || nrec == 1);
			fuzz_check_restored(out, &plain, recs, nrec);
		}
	} else {
		FUZZ_CHECK(ret < 0);
		FUZZ_CHECK(lstat(out, &sb) < 0 && errno == ENOENT);
		fuzz_only_entries(work, "sealed", NULL);
	}
	fsutil_rmtree(out);
	unlink(sealed);
	buf_free(&plain);
	buf_free(&file);
	return 0;
}
