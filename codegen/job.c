/* job.c — atomic print-job directories and sealed job streams. */
#include "codegen/job.h"
#include "common/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JOB_MAGIC "SLJOB\0\0\1"
#define JOB_MAGIC_LEN 8
#define JOB_SEALED_KEY_LEN (crypto_box_SEALBYTES + \
	crypto_secretstream_xchacha20poly1305_KEYBYTES)
#define JOB_HEADER_LEN (JOB_MAGIC_LEN + 32 + JOB_SEALED_KEY_LEN + \
	crypto_secretstream_xchacha20poly1305_HEADERBYTES)
#define JOB_RECORD_MAX (1u << 20)	/* data bytes per record */
#define JOB_RECORD_HDR 7		/* type, path length, data length */
#define JOB_APPEND_BUF (256u * 1024)
#define JOB_APPEND_FILES 4
#define JOB_PATH_MAX 255

enum job_record { JOB_REC_DIR = 'D', JOB_REC_FILE = 'F', JOB_REC_APPEND = 'A',
    JOB_REC_END = 'E' };

struct job_stream {		/* an appended file */
	char rel[JOB_PATH_MAX + 1];
	int fd;			/* plain job */
	uint8_t *buf;		/* sealed job: pending bytes */
	size_t len;
};

struct job {
	char dir[PATH_MAX];	/* final name */
	char tmp[PATH_MAX];	/* where it is written */
	int tmpfd;		/* the temporary directory */
	bool sealed;
	bool flushed;
	/* Sealed state. */
	int sfd;
	crypto_secretstream_xchacha20poly1305_state ss;
	uint64_t records;
	uint8_t *out;		/* ciphertext staging */
	uint8_t *plain;		/* plaintext staging */
	struct job_stream streams[JOB_APPEND_FILES];
	size_t nstreams;
};

/* Accepts relative paths of safe components only. */
static bool
job_path_ok(const char *rel)
{
	size_t len = strlen(rel), comp = 0;

	if (len == 0 || len > JOB_PATH_MAX || rel[0] == '/')
		return false;
	for (size_t i = 0; i <= len; i++) {
		char ch = rel[i];

		if (ch == '/' || ch == '\0') {
			if (comp == 0)
				return false;
			if (comp <= 2 && rel[i - comp] == '.' &&
			    (comp == 1 || rel[i - 1] == '.'))
				return false;	/* "." or ".." */
			comp = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		    ch == '-'))
			return false;
		comp++;
	}
	return true;
}

/* Removes "<parent>/.<name>.partial-<pid>" leftovers of dead mints. */
static void
job_remove_stale(const char *parent, const char *name)
{
	char prefix[NAME_MAX + 16], path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	size_t plen;

	snprintf(prefix, sizeof(prefix), ".%s.partial-", name);
	plen = strlen(prefix);
	if ((d = opendir(parent)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		long pid;
		char *end;

		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		pid = strtol(de->d_name + plen, &end, 10);
		if (*end != '\0' || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;	/* its mint may still run */
		if (snprintf(path, sizeof(path), "%s/%s", parent, de->d_name) <
		    (int)sizeof(path))
			fsutil_rmtree(path);
	}
	closedir(d);
}

/* Encrypts and writes one record. */
static int
job_seal_record(struct job *j, int type, const char *rel, const uint8_t *data,
    size_t len, bool final)
{
	size_t plen = rel ? strlen(rel) : 0, mlen, clen;
	uint8_t *plain = j->plain;
	int ret;

	if (plen > JOB_PATH_MAX || len > JOB_RECORD_MAX)
		return -EINVAL;
	mlen = JOB_RECORD_HDR + plen + len;
	plain[0] = (uint8_t)type;
	plain[1] = (uint8_t)(plen >> 8);
	plain[2] = (uint8_t)plen;
	plain[3] = (uint8_t)(len >> 24);
	plain[4] = (uint8_t)(len >> 16);
	plain[5] = (uint8_t)(len >> 8);
	plain[6] = (uint8_t)len;
	memcpy(plain + JOB_RECORD_HDR, rel ? rel : "", plen);
	if (len > 0)
		memcpy(plain + JOB_RECORD_HDR + plen, data, len);
	crypto_secretstream_xchacha20poly1305_push(&j->ss, j->out + 4,
	    (unsigned long long *)NULL, plain, mlen, NULL, 0, final ?
	    crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
	clen = mlen + crypto_secretstream_xchacha20poly1305_ABYTES;
	j->out[0] = (uint8_t)(clen >> 24);
	j->out[1] = (uint8_t)(clen >> 16);
	j->out[2] = (uint8_t)(clen >> 8);
	j->out[3] = (uint8_t)clen;
	if ((ret = fsutil_write_all(j->sfd, j->out, 4 + clen)) < 0)
		return ret;
	j->records++;
	return 0;
}

/* Starts a job. */
int
job_create(const char *dir, const uint8_t *seal_pk, struct job **out,
    const char **why)
{
	char copy1[PATH_MAX], copy2[PATH_MAX], *parent, *name;
	struct job *j;
	struct stat sb;
	int ret;

	*out = NULL;
	*why = NULL;
	if (strlen(dir) == 0 || strlen(dir) >= PATH_MAX - 64) {
		*why = "job directory name is empty or too long";
		return -ENAMETOOLONG;
	}
	if (lstat(dir, &sb) == 0) {
		*why = "job directory already exists (a job is never overwritten)";
		return -EEXIST;
	}
	strcpy(copy1, dir);
	strcpy(copy2, dir);
	parent = dirname(copy1);
	name = basename(copy2);
	if (stat(parent, &sb) < 0) {
		*why = "the job directory's parent does not exist";
		return -ENOENT;
	}
	if (!S_ISDIR(sb.st_mode)) {
		*why = "the job directory's parent is not a directory";
		return -ENOTDIR;
	}
	if (access(parent, W_OK | X_OK) < 0) {
		*why = "the job directory's parent is not writable";
		return -EACCES;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -ENOMEM;
	j->tmpfd = j->sfd = -1;
	for (size_t i = 0; i < JOB_APPEND_FILES; i++)
		j->streams[i].fd = -1;
	strcpy(j->dir, dir);
	job_remove_stale(parent, name);
	snprintf(j->tmp, sizeof(j->tmp), "%s/.%s.partial-%ld", parent, name,
	    (long)getpid());
	fsutil_rmtree(j->tmp);
	if (mkdir(j->tmp, 0700) < 0) {
		ret = -errno;
		*why = "cannot create the job directory";
		free(j);
		return ret;
	}
	if ((j->tmpfd = open(j->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		ret = -errno;
		goto fail;
	}
	if (seal_pk != NULL) {
		uint8_t hdr[JOB_HEADER_LEN];
		uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
		size_t o = 0;

		j->sealed = true;
		j->out = malloc(4 + crypto_secretstream_xchacha20poly1305_ABYTES +
		    JOB_RECORD_HDR + JOB_PATH_MAX + JOB_RECORD_MAX);
		j->plain = malloc(JOB_RECORD_HDR + JOB_PATH_MAX + JOB_RECORD_MAX);
		if (j->out == NULL || j->plain == NULL) {
			ret = -ENOMEM;
			goto fail;
		}
		j->sfd = openat(j->tmpfd, JOB_SEALED_NAME,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (j->sfd < 0) {
			ret = -errno;
			goto fail;
		}
		crypto_secretstream_xchacha20poly1305_keygen(key);
		memcpy(hdr, JOB_MAGIC, JOB_MAGIC_LEN);
		o += JOB_MAGIC_LEN;
		memcpy(hdr + o, seal_pk, 32);
		o += 32;
		if (crypto_box_seal(hdr + o, key, sizeof(key), seal_pk) != 0) {
			sodium_memzero(key, sizeof(key));
			*why = "the print house's public key is not valid";
			ret = -EINVAL;
			goto fail;
		}
		o += JOB_SEALED_KEY_LEN;
		crypto_secretstream_xchacha20poly1305_init_push(&j->ss, hdr + o,
		    key);
		sodium_memzero(key, sizeof(key));
		if ((ret = fsutil_write_all(j->sfd, hdr, sizeof(hdr))) < 0)
			goto fail;
	}
	*out = j;
	return 0;
fail:
	if (*why == NULL)
		*why = "cannot write the job directory";
	job_abort(j);
	return ret;
}

/* True for a sealed job. */
bool
job_is_sealed(const struct job *j)
{
	return j->sealed;
}

/* Creates a subdirectory (or a record for one). */
int
job_mkdir(struct job *j, const char *rel)
{
	if (!job_path_ok(rel))
		return -EINVAL;
	if (j->sealed)
		return job_seal_record(j, JOB_REC_DIR, rel, NULL, 0, false);
	return mkdirat(j->tmpfd, rel, 0700) < 0 ? -errno : 0;
}

/* Writes a whole file. */
int
job_put(struct job *j, const char *rel, const void *data, size_t len)
{
	int fd, ret;

	if (!job_path_ok(rel))
		return -EINVAL;
	if (j->sealed) {
		if (len > JOB_RECORD_MAX)
			return -EFBIG;
		return job_seal_record(j, JOB_REC_FILE, rel, data, len, false);
	}
	fd = openat(j->tmpfd, rel, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = fsutil_write_all(fd, data, len);
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret;
}

/* Finds or opens an appended file. */
static int
job_stream_get(struct job *j, const char *rel, struct job_stream **out)
{
	struct job_stream *s;

	for (size_t i = 0; i < j->nstreams; i++)
		if (strcmp(j->streams[i].rel, rel) == 0) {
			*out = &j->streams[i];
			return 0;
		}
	if (j->nstreams == JOB_APPEND_FILES || !job_path_ok(rel))
		return -EINVAL;
	s = &j->streams[j->nstreams];
	if (j->sealed) {
		if ((s->buf = malloc(JOB_APPEND_BUF)) == NULL)
			return -ENOMEM;
	} else {
		s->fd = openat(j->tmpfd, rel,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (s->fd < 0)
			return -errno;
	}
	strcpy(s->rel, rel);
	j->nstreams++;
	*out = s;
	return 0;
}

/* Seals a stream's pending bytes as one APPEND record. */
static int
job_stream_flush(struct job *j, struct job_stream *s)
{
	int ret;

	if (s->len == 0)
		return 0;
	ret = job_seal_record(j, JOB_REC_APPEND, s->rel, s->buf, s->len, false);
	s->len = 0;
	return ret;
}

/* Appends to a streamed file. */
int
job_append(struct job *j, const char *rel, const void *data, size_t len)
{
	struct job_stream *s = NULL;
	const uint8_t *p = data;
	int ret;

	if ((ret = job_stream_get(j, rel, &s)) < 0)
		return ret;
	if (!j->sealed)
		return fsutil_write_all(s->fd, data, len);
	while (len > 0) {
		size_t n = JOB_APPEND_BUF - s->len < len ?
		    JOB_APPEND_BUF - s->len : len;

		memcpy(s->buf + s->len, p, n);
		s->len += n;
		p += n;
		len -= n;
		if (s->len == JOB_APPEND_BUF &&
		    (ret = job_stream_flush(j, s)) < 0)
			return ret;
	}
	return 0;
}

/* Closes streams, ends the sealed stream and flushes everything. */
int
job_flush(struct job *j)
{
	int ret = 0;

	if (j->flushed)
		return 0;
	for (size_t i = 0; i < j->nstreams && ret == 0; i++) {
		struct job_stream *s = &j->streams[i];

		if (j->sealed)
			ret = job_stream_flush(j, s);
		else if (s->fd >= 0 && close(s->fd) < 0)
			ret = -errno;
		s->fd = -1;
	}
	if (ret == 0 && j->sealed) {
		uint8_t count[8];

		for (int b = 0; b < 8; b++)
			count[b] = (uint8_t)(j->records >> (56 - 8 * b));
		ret = job_seal_record(j, JOB_REC_END, NULL, count, sizeof(count),
		    true);
		if (ret == 0 && fsync(j->sfd) < 0)
			ret = -errno;
	}
	/* One syncfs flushes every image file; then the directory itself. */
	if (ret == 0)
		ret = fsutil_syncfs(j->tmpfd);
	if (ret == 0 && fsync(j->tmpfd) < 0)
		ret = -errno;
	if (ret == 0)
		j->flushed = true;
	return ret;
}

/* Flushes (if not yet done) and renames the job into place. */
int
job_commit(struct job *j)
{
	int ret;

	ret = job_flush(j);
	if (ret == 0 && rename(j->tmp, j->dir) < 0)
		ret = -errno;
	if (ret == 0) {
		j->tmp[0] = '\0';
		ret = fsutil_fsync_parent(j->dir);
	}
	job_abort(j);
	return ret;
}

/* Discards a job. */
void
job_abort(struct job *j)
{
	if (j == NULL)
		return;
	for (size_t i = 0; i < j->nstreams; i++) {
		if (j->streams[i].fd >= 0)
			close(j->streams[i].fd);
		free(j->streams[i].buf);
	}
	if (j->sfd >= 0)
		close(j->sfd);
	if (j->tmpfd >= 0)
		close(j->tmpfd);
	if (j->tmp[0] != '\0')
		fsutil_rmtree(j->tmp);
	free(j->out);
	if (j->plain != NULL) {
		sodium_memzero(j->plain, JOB_RECORD_HDR + JOB_PATH_MAX +
		    JOB_RECORD_MAX);
		free(j->plain);
	}
	sodium_memzero(&j->ss, sizeof(j->ss));
	free(j);
}

/* Reads exactly len bytes; -EPIPE at end of file. */
static int
job_read_exact(int fd, uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = read(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EPIPE;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Open files while restoring a sealed job. */
struct job_open_file {
	char rel[JOB_PATH_MAX + 1];
	int fd;
};

/* Restores a sealed job. */
int
job_open_sealed(const char *sealed, const struct keypair *box,
    const char *outdir, const char **why)
{
	crypto_secretstream_xchacha20poly1305_state ss;
	uint8_t hdr[JOB_HEADER_LEN];
	uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	struct job_open_file files[JOB_APPEND_FILES];
	size_t nfiles = 0, o;
	uint8_t *cbuf = NULL, *pbuf = NULL;
	uint64_t records = 0;
	char tmp[PATH_MAX], copy[PATH_MAX], copy2[PATH_MAX];
	int fd = -1, dfd = -1, ret;
	bool ended = false;
	struct stat sb;

	*why = NULL;
	for (size_t i = 0; i < JOB_APPEND_FILES; i++)
		files[i].fd = -1;
	tmp[0] = '\0';
	if (box->scheme != KEYS_SCHEME_BOX) {
		*why = "not a print house key (make one with scanloop job keygen)";
		return -EINVAL;
	}
	if (lstat(outdir, &sb) == 0) {
		*why = "output directory already exists";
		return -EEXIST;
	}
	if ((fd = open(sealed, O_RDONLY | O_CLOEXEC)) < 0) {
		*why = "cannot read the sealed job";
		return -errno;
	}
	ret = -EBADMSG;
	if (job_read_exact(fd, hdr, sizeof(hdr)) < 0 ||
	    memcmp(hdr, JOB_MAGIC, JOB_MAGIC_LEN) != 0) {
		*why = "not a sealed scanloop job";
		goto fail;
	}
	o = JOB_MAGIC_LEN;
	if (sodium_memcmp(hdr + o, box->public, 32) != 0) {
		*why = "the job was sealed to another print house key";
		ret = -EPERM;
		goto fail;
	}
	o += 32;
	if (crypto_box_seal_open(key, hdr + o, JOB_SEALED_KEY_LEN, box->public,
	    keys_secret(box)) != 0) {
		*why = "the job's key cannot be opened: tampered or damaged";
		goto fail;
	}
	o += JOB_SEALED_KEY_LEN;
	if (crypto_secretstream_xchacha20poly1305_init_pull(&ss, hdr + o,
	    key) != 0) {
		*why = "the sealed job's header is damaged";
		goto fail;
	}
	size_t cmax = crypto_secretstream_xchacha20poly1305_ABYTES +
	    JOB_RECORD_HDR + JOB_PATH_MAX + JOB_RECORD_MAX;

	cbuf = malloc(cmax);
	pbuf = malloc(cmax);
	if (cbuf == NULL || pbuf == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	if (strlen(outdir) >= sizeof(copy)) {
		ret = -ENAMETOOLONG;
		goto fail;
	}
	strcpy(copy, outdir);
	strcpy(copy2, outdir);
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.opening-%ld", dirname(copy),
	    basename(copy2), (long)getpid()) >= (int)sizeof(tmp)) {
		ret = -ENAMETOOLONG;
		tmp[0] = '\0';
		goto fail;
	}
	if (mkdir(tmp, 0700) < 0 ||
	    (dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		ret = -errno;
		*why = "cannot create the output directory";
		if (ret == -EEXIST)
			tmp[0] = '\0';
		goto fail;
	}
	while (!ended) {
		uint8_t lenb[4], tag;
		unsigned long long mlen;
		size_t clen, plen, dlen;
		char rel[JOB_PATH_MAX + 1];

		ret = job_read_exact(fd, lenb, 4);
		if (ret == -EPIPE) {
			*why = "the sealed job is truncated";
			ret = -EBADMSG;
			goto fail;
		}
		if (ret < 0)
			goto fail;
		ret = -EBADMSG;
		clen = (size_t)lenb[0] << 24 | (size_t)lenb[1] << 16 |
		    (size_t)lenb[2] << 8 | lenb[3];
		if (clen < crypto_secretstream_xchacha20poly1305_ABYTES +
		    JOB_RECORD_HDR || clen > cmax) {
			*why = "the sealed job is damaged (record size)";
			goto fail;
		}
		if (job_read_exact(fd, cbuf, clen) < 0) {
			*why = "the sealed job is truncated";
			goto fail;
		}
		if (crypto_secretstream_xchacha20poly1305_pull(&ss, pbuf, &mlen,
		    &tag, cbuf, clen, NULL, 0) != 0) {
			*why = "the sealed job was tampered with or is damaged";
			goto fail;
		}
		plen = (size_t)pbuf[1] << 8 | pbuf[2];
		dlen = (size_t)pbuf[3] << 24 | (size_t)pbuf[4] << 16 |
		    (size_t)pbuf[5] << 8 | pbuf[6];
		/* A NUL would cut the path short: the name written would not
		 * be the record's. */
		if (JOB_RECORD_HDR + plen + dlen != mlen || plen > JOB_PATH_MAX ||
		    memchr(pbuf + JOB_RECORD_HDR, '\0', plen) != NULL) {
			*why = "the sealed job is damaged (record layout)";
			goto fail;
		}
		memcpy(rel, pbuf + JOB_RECORD_HDR, plen);
		rel[plen] = '\0';
		const uint8_t *data = pbuf + JOB_RECORD_HDR + plen;

		if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
			uint64_t want = 0;

			if (pbuf[0] != JOB_REC_END || dlen != 8) {
				*why = "the sealed job is damaged (end record)";
				goto fail;
			}
			for (int b = 0; b < 8; b++)
				want = want << 8 | data[b];
			if (want != records) {
				*why = "the sealed job is damaged (record count)";
				goto fail;
			}
			ended = true;
			continue;
		}
		records++;
		if (pbuf[0] != JOB_REC_END && !job_path_ok(rel)) {
			*why = "the sealed job holds an unsafe path";
			goto fail;
		}
		switch (pbuf[0]) {
		case JOB_REC_DIR:
			if (mkdirat(dfd, rel, 0700) < 0) {
				ret = -errno;
				goto fail;
			}
			break;
		case JOB_REC_FILE: {
			int f = openat(dfd, rel, O_WRONLY | O_CREAT | O_EXCL |
			    O_CLOEXEC, 0600);

			if (f < 0) {
				ret = -errno;
				*why = "cannot write a restored file";
				goto fail;
			}
			ret = fsutil_write_all(f, data, dlen);
			close(f);
			if (ret < 0)
				goto fail;
			break;
		}
		case JOB_REC_APPEND: {
			size_t i;

			for (i = 0; i < nfiles; i++)
				if (strcmp(files[i].rel, rel) == 0)
					break;
			if (i == nfiles) {
				if (nfiles == JOB_APPEND_FILES) {
					*why = "the sealed job is damaged";
					goto fail;
				}
				files[i].fd = openat(dfd, rel, O_WRONLY |
				    O_CREAT | O_EXCL | O_CLOEXEC, 0600);
				if (files[i].fd < 0) {
					ret = -errno;
					goto fail;
				}
				strcpy(files[i].rel, rel);
				nfiles++;
			}
			if ((ret = fsutil_write_all(files[i].fd, data, dlen)) < 0)
				goto fail;
			break;
		}
		default:
			*why = "the sealed job is damaged (record type)";
			goto fail;
		}
	}
	/* Nothing may follow the final record. */
	{
		uint8_t extra;

		if (read(fd, &extra, 1) != 0) {
			*why = "the sealed job has data after its end";
			ret = -EBADMSG;
			goto fail;
		}
	}
	for (size_t i = 0; i < nfiles; i++) {
		close(files[i].fd);
		files[i].fd = -1;
	}
	if ((ret = fsutil_syncfs(dfd)) < 0 || fsync(dfd) < 0 ||
	    rename(tmp, outdir) < 0) {
		ret = ret < 0 ? ret : -errno;
		*why = "cannot move the restored job into place";
		goto fail;
	}
	tmp[0] = '\0';
	ret = fsutil_fsync_parent(outdir);
fail:
	for (size_t i = 0; i < nfiles; i++)
		if (files[i].fd >= 0)
			close(files[i].fd);
	if (dfd >= 0)
		close(dfd);
	if (tmp[0] != '\0')
		fsutil_rmtree(tmp);
	if (fd >= 0)
		close(fd);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(&ss, sizeof(ss));
	if (pbuf != NULL) {
		sodium_memzero(pbuf, crypto_secretstream_xchacha20poly1305_ABYTES +
		    JOB_RECORD_HDR + JOB_PATH_MAX + JOB_RECORD_MAX);
		free(pbuf);
	}
	free(cbuf);
	return ret;
}

/* Writes a public key file. */
int
job_write_public(const char *path, const uint8_t pk[32])
{
	char text[128], hex[65];
	int n;

	sodium_bin2hex(hex, sizeof(hex), pk, 32);
	n = snprintf(text, sizeof(text), "%s\npublic: %s\n", JOB_PUBLIC_MAGIC,
	    hex);
	return fsutil_write_atomic(path, text, (size_t)n, 0644, 1);
}

/* Reads a public key file or a bare hex key. */
int
job_read_public(const char *path, uint8_t pk[32], const char **why)
{
	char *text = NULL, *p;
	size_t len, got;
	int ret;

	*why = "cannot read the print house's public key file";
	if ((ret = fsutil_read_file(path, 4096, &text, &len)) < 0)
		return ret;
	ret = -EINVAL;
	*why = "not a print house public key (scanloop job keygen makes one)";
	p = text;
	if (strncmp(p, JOB_PUBLIC_MAGIC "\n", sizeof(JOB_PUBLIC_MAGIC)) == 0) {
		p += sizeof(JOB_PUBLIC_MAGIC);
		if (strncmp(p, "public: ", 8) != 0)
			goto out;
		p += 8;
	}
	p[strcspn(p, "\r\n")] = '\0';
	if (strlen(p) != 64 || sodium_hex2bin(pk, 32, p, 64, NULL, &got,
	    NULL) != 0 || got != 32)
		goto out;
	ret = 0;
	*why = NULL;
out:
	free(text);
	return ret;
}
