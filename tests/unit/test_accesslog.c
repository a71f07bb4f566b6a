/* test_accesslog.c — JSON access log lines: fields, escaping of hostile
 * input, caps, reopening after rotation while threads write, and the
 * redaction of secrets in request targets. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "scanner/accesslog.h"

#define W_THREADS 4
#define W_LINES 5000
#define W_MAX_FILES 200

/* The test's directory and log path. */
struct fixture {
	char dir[TU_PATH_MAX];
	char path[TU_PATH_MAX];
	struct accesslog *log;
};

/* Makes a temporary directory with an open log in it. */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	umask(022);
	tu_tmpdir(f->dir);
	tu_path(f->path, f->dir, "access.log");
	if (accesslog_open(f->path, &f->log) != 0)
		fail_msg("accesslog_open %s", f->path);
	*state = f;
	return 0;
}

/* Closes the log and removes the directory. */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	accesslog_close(f->log);
	tu_rmtree(f->dir);
	free(f);
	return 0;
}

/* A plain entry. */
static struct accesslog_entry
entry(void)
{
	static const char path[] = "/01/09506000134352/21/ABC?S=<redacted>";
	static const char ua[] = "Mozilla/5.0 (iPhone)";

	return (struct accesslog_entry){
		.time = 1795474500123456,	/* 2026-11-23T22:55:00.123456Z */
		.ip = "192.0.2.0",
		.method = "GET",
		.method_len = 3,
		.path = path,
		.path_len = sizeof(path) - 1,
		.status = 200,
		.bytes = 4321,
		.duration_us = 789,
		.ua = ua,
		.ua_len = sizeof(ua) - 1,
		.event_id = 42,
		.verdict = "genuine",
	};
}

/* Parses every line of a file (each must end in '\n' and be one JSON
 * object) and appends them to arr. Returns the number of lines. */
static size_t
parse_file(const char *path, json_t *arr)
{
	size_t len, n = 0;
	char *text = tu_read(path, &len), *s = text, *end = text + len;

	while (s < end) {
		char *nl = memchr(s, '\n', (size_t)(end - s));
		json_error_t err;
		json_t *o;

		if (nl == NULL)
			fail_msg("%s: last line incomplete: %.80s", path, s);
		o = json_loadb(s, (size_t)(nl - s),
		    JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &err);
		if (o == NULL)
			fail_msg("%s: invalid JSON (%s): %.*s", path, err.text,
			    (int)(nl - s), s);
		if (!json_is_object(o))
			fail_msg("%s: not an object", path);
		json_array_append_new(arr, o);
		n++;
		s = nl + 1;
	}
	free(text);
	return n;
}

/* The only line of the log. */
static json_t *
only_line(const char *path)
{
	json_t *arr = json_array(), *o;

	assert_int_equal(parse_file(path, arr), 1);
	o = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	return o;
}

/* A string member (with its length, NULs allowed). */
static const char *
member(json_t *o, const char *key, size_t *len)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("no string member %s", key);
	if (len != NULL)
		*len = json_string_length(v);
	return json_string_value(v);
}

/* Empties the log file (the descriptor appends, so it keeps working). */
static void
empty(const char *path)
{
	if (truncate(path, 0) != 0)
		fail_msg("truncate: %s", strerror(errno));
}

/* Every field, with its type; event and verdict left out when unset. */
static void
test_fields(void **state)
{
	struct fixture *f = *state;
	struct accesslog_entry e = entry();
	json_t *o;

	accesslog_write(f->log, &e);
	o = only_line(f->path);
	assert_string_equal(member(o, "time", NULL),
	    "2026-11-23T22:55:00.123456Z");
	assert_string_equal(member(o, "ip", NULL), "192.0.2.0");
	assert_string_equal(member(o, "method", NULL), "GET");
	assert_string_equal(member(o, "path", NULL),
	    "/01/09506000134352/21/ABC?S=<redacted>");
	assert_int_equal(json_integer_value(json_object_get(o, "status")), 200);
	assert_int_equal(json_integer_value(json_object_get(o, "bytes")), 4321);
	assert_int_equal(json_integer_value(json_object_get(o, "us")), 789);
	assert_string_equal(member(o, "ua", NULL), "Mozilla/5.0 (iPhone)");
	assert_int_equal(json_integer_value(json_object_get(o, "event")), 42);
	assert_string_equal(member(o, "verdict", NULL), "genuine");
	assert_int_equal(json_object_size(o), 10);
	json_decref(o);

	empty(f->path);
	e.event_id = 0;
	e.verdict = NULL;
	e.ua = NULL;
	e.ua_len = 0;
	e.time = -1;			/* before 1970: floor, not truncation */
	accesslog_write(f->log, &e);
	o = only_line(f->path);
	assert_null(json_object_get(o, "event"));
	assert_null(json_object_get(o, "verdict"));
	assert_string_equal(member(o, "ua", NULL), "");
	assert_string_equal(member(o, "time", NULL),
	    "1969-12-31T23:59:59.999999Z");
	assert_int_equal(json_object_size(o), 8);
	json_decref(o);

	empty(f->path);
	e.time = 0;
	accesslog_write(f->log, &e);
	o = only_line(f->path);
	assert_string_equal(member(o, "time", NULL),
	    "1970-01-01T00:00:00.000000Z");
	json_decref(o);
}

/* Writes a path and a UA; returns the parsed line. */
static json_t *
write_strings(struct fixture *f, const char *path, size_t plen,
    const char *ua, size_t ualen)
{
	struct accesslog_entry e = entry();

	empty(f->path);
	e.path = path;
	e.path_len = plen;
	e.ua = ua;
	e.ua_len = ualen;
	accesslog_write(f->log, &e);
	return only_line(f->path);
}

/* Known answers for hostile strings: what the JSON decodes to. Invalid
 * UTF-8 bytes come back as U+00XX of the byte. */
static void
test_escaping(void **state)
{
	static const struct {
		const char *in;
		size_t inlen;
		const char *out;	/* decoded, UTF-8 */
		size_t outlen;
		const char *raw;	/* must appear in the line, or NULL */
	} v[] = {
#define V(in, out, raw) { in, sizeof(in) - 1, out, sizeof(out) - 1, raw }
		V("a\"b\\c", "a\"b\\c", "a\\\"b\\\\c"),
		V("l1\nl2\r\n\t", "l1\nl2\r\n\t", "l1\\nl2\\r\\n\\t"),
		V("\x01\x1f\x7f", "\x01\x1f\x7f", "\\u0001\\u001f\\u007f"),
		V("nul\0byte", "nul\0byte", "nul\\u0000byte"),
		V("\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80",
		    "\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80", NULL),
		V("a\xff" "b", "a\xc3\xbf" "b", "a\\u00ffb"),
		V("\x80", "\xc2\x80", "\\u0080"),		/* lone cont. */
		V("\xc0\x80", "\xc3\x80\xc2\x80", NULL),	/* overlong NUL */
		V("\xc1\xbf", "\xc3\x81\xc2\xbf", NULL),	/* overlong */
		V("\xe0\x9f\xbf", "\xc3\xa0\xc2\x9f\xc2\xbf", NULL),
		V("\xed\xa0\x80", "\xc3\xad\xc2\xa0\xc2\x80", NULL), /* D800 */
		V("\xf0\x8f\xbf\xbf", "\xc3\xb0\xc2\x8f\xc2\xbf\xc2\xbf",
		    NULL),					/* overlong */
		V("\xf4\x90\x80\x80", "\xc3\xb4\xc2\x90\xc2\x80\xc2\x80",
		    NULL),					/* > 10FFFF */
		V("\xf5\x80", "\xc3\xb5\xc2\x80", NULL),
		V("x\xe2\x82", "x\xc3\xa2\xc2\x82", NULL),	/* cut short */
		V("\xe2\x82" "A", "\xc3\xa2\xc2\x82" "A", NULL),
		V("\xef\xbf\xbf\xf4\x8f\xbf\xbf", "\xef\xbf\xbf\xf4\x8f\xbf\xbf",
		    NULL),					/* max valid */
		V("</script>\u2028", "</script>\u2028", NULL),
#undef V
	};

	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t len, flen;
		const char *got;
		char *text;
		json_t *o;

		o = write_strings(f, v[i].in, v[i].inlen, v[i].in,
		    v[i].inlen);
		got = member(o, "path", &len);
		if (len != v[i].outlen || memcmp(got, v[i].out, len) != 0)
			fail_msg("vector %zu: path decodes wrong", i);
		got = member(o, "ua", &len);
		if (len != v[i].outlen || memcmp(got, v[i].out, len) != 0)
			fail_msg("vector %zu: ua decodes wrong", i);
		assert_null(json_object_get(o, "path_truncated"));
		json_decref(o);
		text = tu_read(f->path, &flen);
		if (v[i].raw != NULL && strstr(text, v[i].raw) == NULL)
			fail_msg("vector %zu: %s not in %s", i, v[i].raw, text);
		/* One line: the only raw newline is the last byte. */
		assert_ptr_equal(memchr(text, '\n', flen), text + flen - 1);
		free(text);
	}
}

/* Random bytes (NULs and all) as path, UA and method: every line is
 * still one valid JSON object. */
static void
test_random_bytes(void **state)
{
	struct fixture *f = *state;
	struct accesslog_entry e = entry();
	json_t *arr = json_array();
	uint8_t buf[3][1200];

	for (int i = 0; i < 2000; i++) {
		uint16_t lens[3];

		tu_random(buf, sizeof(buf));
		tu_random(lens, sizeof(lens));
		/* Bias towards high bytes and short strings now and then. */
		if (i % 3 == 0)
			for (size_t k = 0; k < sizeof(buf[0]); k++)
				buf[0][k] |= 0x80;
		e.path = (const char *)buf[0];
		e.path_len = lens[0] % sizeof(buf[0]);
		e.ua = (const char *)buf[1];
		e.ua_len = lens[1] % (i % 2 ? 40 : sizeof(buf[1]));
		e.method = (const char *)buf[2];
		e.method_len = lens[2] % 64;
		accesslog_write(f->log, &e);
	}
	assert_int_equal(parse_file(f->path, arr), 2000);
	for (size_t i = 0; i < 2000; i++) {
		json_t *o = json_array_get(arr, i);

		assert_int_equal(json_integer_value(json_object_get(o,
		    "status")), 200);
	}
	json_decref(arr);
}

/* Long strings are cut at their cap, on a character boundary, and
 * marked; a string exactly at the cap is not. */
static void
test_caps(void **state)
{
	struct fixture *f = *state;
	char big[10000], han[600], emoji[600];
	const char *got;
	size_t len;
	json_t *o;

	memset(big, 'u', sizeof(big));
	o = write_strings(f, big, 512, big, 256);	/* exactly the caps */
	assert_int_equal(strlen(member(o, "path", NULL)), 512);
	assert_int_equal(strlen(member(o, "ua", NULL)), 256);
	assert_null(json_object_get(o, "path_truncated"));
	assert_null(json_object_get(o, "ua_truncated"));
	json_decref(o);

	o = write_strings(f, big, 513, big, sizeof(big));
	assert_int_equal(strlen(member(o, "path", NULL)), 512);
	assert_int_equal(strlen(member(o, "ua", NULL)), 256);
	assert_true(json_is_true(json_object_get(o, "path_truncated")));
	assert_true(json_is_true(json_object_get(o, "ua_truncated")));
	json_decref(o);

	/* 3-byte characters: 85 whole ones fit in 256 bytes. */
	for (size_t i = 0; i < sizeof(han); i += 3)
		memcpy(han + i, "\xe4\xb8\xad", 3);
	/* "x" and 4-byte characters: the 128th would straddle 512. */
	emoji[0] = 'x';
	for (size_t i = 1; i + 4 <= sizeof(emoji); i += 4)
		memcpy(emoji + i, "\xf0\x9f\x98\x80", 4);
	o = write_strings(f, emoji, sizeof(emoji) - 3, han, sizeof(han));
	got = member(o, "ua", &len);
	assert_int_equal(len, 255);
	assert_memory_equal(got, han, 255);
	got = member(o, "path", &len);
	assert_int_equal(len, 509);		/* "x" + 127 characters */
	assert_memory_equal(got, emoji, 509);
	assert_true(json_is_true(json_object_get(o, "ua_truncated")));
	json_decref(o);

	/* Escapes grow the line, not the cap: 10000 quotes keep 256. */
	memset(big, '"', sizeof(big));
	o = write_strings(f, big, sizeof(big), big, sizeof(big));
	assert_int_equal(strlen(member(o, "ua", NULL)), 256);
	assert_int_equal(strlen(member(o, "path", NULL)), 512);
	json_decref(o);
	/* Worst case: every byte becomes \u00XX. */
	memset(big, 0x01, sizeof(big));
	o = write_strings(f, big, sizeof(big), big, sizeof(big));
	assert_int_equal(strlen(member(o, "ua", NULL)), 256);
	json_decref(o);
}

/* Mode 0640, append-only, close-on-exec: found through /proc. */
static void
check_fd_flags(const char *path)
{
	char link[64], target[TU_PATH_MAX];
	int found = 0;

	for (int fd = 0; fd < 1024; fd++) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		if ((n = readlink(link, target, sizeof(target) - 1)) < 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, path) != 0)
			continue;
		found++;
		assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		assert_int_equal(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND),
		    O_WRONLY | O_APPEND);
	}
	assert_int_equal(found, 1);
}

/* Rotation: rename the file, reopen, and new lines go to a new file. */
static void
test_reopen(void **state)
{
	struct fixture *f = *state;
	struct accesslog_entry e = entry();
	char rotated[TU_PATH_MAX];
	struct accesslog *bad;
	struct stat st;
	json_t *o;

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	check_fd_flags(f->path);
	e.event_id = 1;
	accesslog_write(f->log, &e);
	tu_path(rotated, f->dir, "access.log.1");
	assert_int_equal(rename(f->path, rotated), 0);
	e.event_id = 2;
	accesslog_write(f->log, &e);		/* still the old file */
	assert_false(tu_exists(f->path));
	assert_int_equal(accesslog_reopen(f->log), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	check_fd_flags(f->path);
	e.event_id = 3;
	accesslog_write(f->log, &e);
	o = only_line(f->path);
	assert_int_equal(json_integer_value(json_object_get(o, "event")), 3);
	json_decref(o);
	{
		json_t *arr = json_array();

		assert_int_equal(parse_file(rotated, arr), 2);
		assert_int_equal(json_integer_value(json_object_get(
		    json_array_get(arr, 1), "event")), 2);
		json_decref(arr);
	}

	/* A failed reopen keeps the old file in use. */
	tu_path(rotated, f->dir, "access.log.2");
	assert_int_equal(rename(f->path, rotated), 0);
	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_int_equal(accesslog_reopen(f->log), -EISDIR);
	e.event_id = 4;
	accesslog_write(f->log, &e);
	{
		json_t *arr = json_array();

		assert_int_equal(parse_file(rotated, arr), 2);	/* 3 and 4 */
		assert_int_equal(json_integer_value(json_object_get(
		    json_array_get(arr, 1), "event")), 4);
		json_decref(arr);
	}
	check_fd_flags(rotated);
	assert_int_equal(rmdir(f->path), 0);
	assert_int_equal(accesslog_reopen(f->log), 0);
	e.event_id = 5;
	accesslog_write(f->log, &e);
	o = only_line(f->path);
	assert_int_equal(json_integer_value(json_object_get(o, "event")), 5);
	json_decref(o);

	/* Opening where no file can be: an error, nothing returned. */
	tu_path(rotated, f->dir, "no/such/dir/log");
	bad = (struct accesslog *)f;
	assert_int_equal(accesslog_open(rotated, &bad), -ENOENT);
	assert_null(bad);
	accesslog_close(NULL);
}

struct writer_thread {
	struct accesslog *log;
	unsigned id;
	atomic_uint *finished;
};

/* Writes W_LINES lines of varying length, each with a unique event id. */
static void *
writer_main(void *arg)
{
	struct writer_thread *w = arg;
	struct accesslog_entry e = entry();
	char ua[300];

	memset(ua, 'a' + (int)w->id, sizeof(ua));
	for (unsigned i = 0; i < W_LINES; i++) {
		e.event_id = (uint64_t)w->id * 1000000 + i + 1;
		e.ua = ua;
		e.ua_len = i % sizeof(ua);
		accesslog_write(w->log, &e);
	}
	atomic_fetch_add(w->finished, 1);
	return NULL;
}

/* Threads write while another thread rotates and reopens: every line is
 * whole, valid, and in exactly one of the files. */
static void
test_concurrent_reopen(void **state)
{
	struct fixture *f = *state;
	struct writer_thread w[W_THREADS];
	pthread_t th[W_THREADS];
	json_t *arr = json_array();
	char rotated[TU_PATH_MAX], name[32];
	atomic_uint finished = 0;
	uint8_t *seen;
	size_t total = 0;
	int files = 0;

	for (unsigned i = 0; i < W_THREADS; i++) {
		w[i] = (struct writer_thread){ .log = f->log, .id = i,
		    .finished = &finished };
		if (pthread_create(&th[i], NULL, writer_main, &w[i]) != 0)
			fail_msg("pthread_create");
	}
	/* Rotate for as long as they write (with a bound on the files). */
	for (files = 0; files < W_MAX_FILES &&
	    atomic_load(&finished) < W_THREADS; files++) {
		struct timespec ts = { 0, 100000 };

		snprintf(name, sizeof(name), "access.log.%d", files);
		tu_path(rotated, f->dir, name);
		assert_int_equal(rename(f->path, rotated), 0);
		assert_int_equal(accesslog_reopen(f->log), 0);
		nanosleep(&ts, NULL);
	}
	for (unsigned i = 0; i < W_THREADS; i++)
		pthread_join(th[i], NULL);
	for (int k = 0; k < files; k++) {
		snprintf(name, sizeof(name), "access.log.%d", k);
		total += parse_file(tu_path(rotated, f->dir, name), arr);
	}
	total += parse_file(f->path, arr);
	assert_int_equal(total, (size_t)W_THREADS * W_LINES);
	seen = calloc((size_t)W_THREADS * W_LINES, 1);
	assert_non_null(seen);
	for (size_t i = 0; i < total; i++) {
		json_t *o = json_array_get(arr, i);
		json_int_t id = json_integer_value(json_object_get(o, "event"));
		size_t ualen;
		unsigned t = (unsigned)(id / 1000000), n;

		n = (unsigned)(id % 1000000) - 1;
		if (t >= W_THREADS || n >= W_LINES)
			fail_msg("bad event id %lld", (long long)id);
		if (seen[t * W_LINES + n]++)
			fail_msg("event %lld twice", (long long)id);
		member(o, "ua", &ualen);
		assert_int_equal(ualen, n % 300 > 256 ? 256 : n % 300);
	}
	free(seen);
	json_decref(arr);
}

/* Secrets in targets are cut to their first characters, whatever the
 * letter case of the parameter's name; other parameters stay whole. */
static void
test_redact(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "/01/09506000134352/21/ABC?S=SIGNATURE1234",
		    "/01/09506000134352/21/ABC?S=SIGNAT..." },
		{ "/01/09506000134352/21/abc?s=signature1234&lang=en",
		    "/01/09506000134352/21/abc?s=signat...&lang=en" },
		{ "/store?claim=3HVMNAYC53X4", "/store?claim=3HVM..." },
		{ "/store?CLAIM=3HVMNAYC53X4", "/store?CLAIM=3HVM..." },
		{ "/store?lang=en&Claim=3HVMNAYC53X4&x=1",
		    "/store?lang=en&Claim=3HVM...&x=1" },
		{ "/store?xclaim=3HVMNAYC53X4", "/store?xclaim=3HVMNAYC53X4" },
		{ "/D/ABCDEFGHJKLM", "/D/ABCD..." },
		{ "/c/abcdefghjklm?CLAIM=zz", "/c/abcd...?CLAIM=zz..." },
		{ "/API/V1/CLAIMS/ABCDEFGHJKLM/redeem",
		    "/API/V1/CLAIMS/ABCD.../redeem" },
	};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = accesslog_redact(cases[i].in, strlen(cases[i].in),
		    out, sizeof(out));

		assert_int_equal(n, strlen(out));
		assert_string_equal(out, cases[i].out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_bytes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_reopen, setup,
		    teardown),
		cmocka_unit_test(test_redact),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
