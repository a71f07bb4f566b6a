/*
 * fsutil.h — files that appear complete or not at all.
 *
 * All functions return 0 or a negative errno. Writes go to a temporary name
 * in the same directory, are fsync'd, renamed over the target, and the
 * directory is fsync'd, so a crash leaves either the old or the new file.
 */
#ifndef SCANLOOP_FSUTIL_H
#define SCANLOOP_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Writes all len bytes to fd, retrying on EINTR and short writes. */
int fsutil_write_all(int fd, const void *buf, size_t len);
/* Replaces path atomically with buf (mode for a new file). Fails with
 * -EEXIST when exclusive is set and path exists. */
int fsutil_write_atomic(const char *path, const void *buf, size_t len,
    mode_t mode, int exclusive);
/* Reads a whole regular file of at most max bytes into a malloc'd buffer
 * with a terminating NUL (not counted in *len). */
int fsutil_read_file(const char *path, size_t max, char **buf, size_t *len);
/* fsyncs a directory so that renames and creations in it are durable. */
int fsutil_fsync_dir(const char *dir);
/* fsyncs the directory that holds path. */
int fsutil_fsync_parent(const char *path);
/* Creates a directory and its missing parents. */
int fsutil_mkdirs(const char *path, mode_t mode);
/* Removes a directory tree (for temporary job directories). */
int fsutil_rmtree(const char *path);
/* Flushes the whole file system that holds fd (one syncfs(2) instead of an
 * fsync per file when a job writes thousands of images). */
int fsutil_syncfs(int fd);

#endif
