/*
 * replay.c — runs a fuzz target over its corpus without libFuzzer (gcc).
 *
 * Each argument is a corpus directory (every regular file in it, in name
 * order) or a single input file. An invariant that fails aborts the run;
 * an unreadable argument or an empty corpus is a failure too, so that a
 * replay that checked nothing cannot pass. After Knot DNS tests-fuzz/main.c.
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

/* Reads a whole file into a malloc'd buffer. */
static int
replay_read(const char *path, uint8_t **data, size_t *size)
{
	FILE *f;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	if ((f = fopen(path, "rb")) == NULL)
		return -errno;
	for (;;) {
		size_t n;

		if (len == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 4096;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*data = buf;
	*size = len;
	return 0;
}

/* Runs the target on one file. */
static int
replay_file(const char *path)
{
	uint8_t *data = NULL, *exact;
	size_t size = 0;
	int ret;

	if ((ret = replay_read(path, &data, &size)) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(-ret));
		return -1;
	}
	/* An exact-size copy, so that a read past the end is an ASan error. */
	if ((exact = malloc(size ? size : 1)) == NULL) {
		free(data);
		return -1;
	}
	if (size > 0)
		memcpy(exact, data, size);
	free(data);
	LLVMFuzzerTestOneInput(exact, size);
	free(exact);
	return 0;
}

/* Keeps regular files only. */
static int
replay_filter(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* Runs the target on every file of a directory; returns the count or -1. */
static long
replay_dir(const char *dir)
{
	struct dirent **names;
	char path[PATH_MAX];
	long count = 0;
	int n, bad = 0;

	if ((n = scandir(dir, &names, replay_filter, alphasort)) < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct stat sb;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
			if (replay_file(path) < 0)
				bad = 1;
			count++;
		}
		free(names[i]);
	}
	free(names);
	return bad ? -1 : count;
}

/* Replays every argument. */
int
main(int argc, char **argv)
{
	long total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR|FILE...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat sb;
		long n;

		if (stat(argv[i], &sb) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			return 1;
		}
		if (S_ISDIR(sb.st_mode))
			n = replay_dir(argv[i]);
		else
			n = replay_file(argv[i]) < 0 ? -1 : 1;
		if (n < 0)
			return 1;
		if (n == 0) {
			fprintf(stderr, "replay: %s: no inputs\n", argv[i]);
			return 1;
		}
		printf("%s: %ld inputs replayed\n", argv[i], n);
		total += n;
	}
	printf("%ld inputs, all invariants held\n", total);
	return 0;
}
