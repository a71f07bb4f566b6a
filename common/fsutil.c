/* fsutil.c — atomic file writes and directory helpers. */
#include "common/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes the whole buffer. */
int
fsutil_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsyncs the directory dir. */
int
fsutil_fsync_dir(const char *dir)
{
	int fd, ret = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* fsyncs the parent directory of path. */
int
fsutil_fsync_parent(const char *path)
{
	char copy[PATH_MAX];

	if (strlen(path) >= sizeof(copy))
		return -ENAMETOOLONG;
	strcpy(copy, path);
	return fsutil_fsync_dir(dirname(copy));
}

/* Writes buf to a temporary file next to path, fsyncs and renames it. */
int
fsutil_write_atomic(const char *path, const void *buf, size_t len,
    mode_t mode, int exclusive)
{
	char tmp[PATH_MAX];
	int fd = -1, ret;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if (exclusive && access(path, F_OK) == 0)
		return -EEXIST;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if ((ret = fsutil_write_all(fd, buf, len)) < 0)
		goto fail;
	if (fsync(fd) < 0) {
		ret = -errno;
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		ret = -errno;
		goto fail;
	}
	fd = -1;
	if (exclusive) {
		/* link(2) fails if path exists: no window to clobber it. */
		if (link(tmp, path) < 0) {
			ret = -errno;
			goto fail;
		}
		unlink(tmp);
	} else if (rename(tmp, path) < 0) {
		ret = -errno;
		goto fail;
	}
	return fsutil_fsync_parent(path);
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return ret;
}

/* Reads a whole file into memory. */
int
fsutil_read_file(const char *path, size_t max, char **bufp, size_t *lenp)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		goto fail;
	}
	cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 :
	    4096;
	if (cap > max + 1)
		cap = max + 1;
	if ((buf = malloc(cap + 1)) == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap > max) {
				ret = -EFBIG;
				goto fail;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				ret = -ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		ret = -EFBIG;
		goto fail;
	}
	close(fd);
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	free(buf);
	close(fd);
	return ret;
}

/* Creates path and its parents. */
int
fsutil_mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0)
		return -EINVAL;
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* nftw callback removing one entry. */
static int
fsutil_rm_cb(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path) < 0 ? -1 : 0;
}

/* Removes a directory tree; a missing tree is not an error. */
int
fsutil_rmtree(const char *path)
{
	if (access(path, F_OK) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (nftw(path, fsutil_rm_cb, 32, FTW_DEPTH | FTW_PHYS) < 0)
		return -errno;
	return 0;
}

/* Flushes the file system that holds fd. */
int
fsutil_syncfs(int fd)
{
	return syncfs(fd) < 0 ? -errno : 0;
}
