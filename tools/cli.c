/* cli.c — helpers shared by the subcommands. */
#include "tools/cli.h"
#include "codegen/keys.h"
#include "common/fsutil.h"
#include "common/log.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *cli_db_dir;
static const char *cli_secret_dir;

/* Remembers --db. */
void
cli_set_db(const char *dir)
{
	cli_db_dir = dir;
}

/* Resolves the store directory. */
const char *
cli_db(void)
{
	const char *env;

	if (cli_db_dir != NULL)
		return cli_db_dir;
	env = getenv("SCANLOOP_DB");
	return env != NULL && *env != '\0' ? env : STORE_DEFAULT_DIR;
}

/* $env if set, else the directory name beside the store (in dir). */
static const char *
cli_dir_beside_store(const char *env, const char *name, char dir[PATH_MAX])
{
	const char *v = getenv(env);
	char copy[PATH_MAX];

	if (v != NULL && *v != '\0')
		return v;
	snprintf(copy, sizeof(copy), "%s", cli_db());
	snprintf(dir, PATH_MAX, "%s/%s", dirname(copy), name);
	return dir;
}

/* Resolves the keys directory. */
const char *
cli_keys_dir(void)
{
	static char dir[PATH_MAX];

	return cli_dir_beside_store("SCANLOOP_KEYS", "keys", dir);
}

/* Remembers --secret-keys. */
void
cli_set_secret_keys(const char *dir)
{
	cli_secret_dir = dir;
}

/* Resolves the signing keys' directory. */
const char *
cli_secret_keys_dir(void)
{
	static char dir[PATH_MAX];

	if (cli_secret_dir != NULL)
		return cli_secret_dir;
	return cli_dir_beside_store("SCANLOOP_SECRET_KEYS", "secret-keys", dir);
}

/* DIR/key-ID.EXT into path. */
static const char *
cli_key_file(char path[PATH_MAX + 32], const char *dir, unsigned id,
    const char *ext)
{
	snprintf(path, PATH_MAX + 32, "%s/key-%u.%s", dir, id, ext);
	return path;
}

/* Secret file of a key. */
const char *
cli_key_path(unsigned id)
{
	static char path[PATH_MAX + 32];

	return cli_key_file(path, cli_secret_keys_dir(), id, "secret");
}

/* Passphrase file of a key. */
const char *
cli_key_pass_path(unsigned id)
{
	static char path[PATH_MAX + 32];

	return cli_key_file(path, cli_secret_keys_dir(), id, "pass");
}

/* A key's secret file in the server's directory (before migration). */
const char *
cli_key_old_path(unsigned id)
{
	static char path[PATH_MAX + 32];

	return cli_key_file(path, cli_keys_dir(), id, "secret");
}

/* Loads a signing key, finding its passphrase file. */
int
cli_key_load(const char *cmd, const char *keyfile, const char *passfile,
    struct keypair **kp)
{
	char autopass[PATH_MAX + 32];
	size_t n = strlen(keyfile), passlen = 0;
	const char *why;
	char *pass = NULL;
	int ret;

	if (passfile == NULL && n > 7 && strcmp(keyfile + n - 7, ".secret") ==
	    0 && (size_t)snprintf(autopass, sizeof(autopass), "%.*s.pass",
	    (int)(n - 7), keyfile) < sizeof(autopass) &&
	    access(autopass, F_OK) == 0)
		passfile = autopass;
	if (passfile != NULL && (ret = keys_read_passphrase(passfile, &pass,
	    &passlen, &why)) < 0)
		return cli_reject(cmd, "%s: %s", passfile, why);
	ret = keys_load(keyfile, pass, passlen, kp, &why);
	keys_free_passphrase(pass);
	if (ret < 0)
		return cli_reject(cmd, "%s: %s%s%s", keyfile, why,
		    ret == -ENOENT || ret == -EACCES ? ": " : "",
		    ret == -ENOENT || ret == -EACCES ? strerror(-ret) : "");
	return 0;
}

/* Loads the secret of a key in the store: its file in the signing keys'
 * directory (or keyfile), which must match the stored public part. */
int
cli_signing_key(const char *cmd, struct store *st, uint8_t id,
    const char *keyfile, const char *passfile, struct store_key *key,
    struct keypair **kp)
{
	struct store_txn t;
	int ret;

	*kp = NULL;
	if ((ret = store_txn_begin(st, true, &t)) < 0)
		return cli_reject(cmd, "%s", store_strerror(ret));
	ret = store_key_get_txn(&t, id, key);
	store_txn_abort(&t);
	if (ret < 0)
		return cli_reject(cmd, ret == -ENOENT ? "no key %u in the store "
		    "(create it with 'scanloop key new --id %u')" :
		    "cannot read key %u", (unsigned)id, (unsigned)id);
	if (keyfile == NULL) {
		keyfile = cli_key_path(id);
		if (access(keyfile, F_OK) < 0 &&
		    access(cli_key_old_path(id), F_OK) == 0)
			return cli_reject(cmd, "key %u's secret is in %s, which "
			    "the scan server reads: move it with 'scanloop key "
			    "migrate'", (unsigned)id, cli_keys_dir());
	}
	if (cli_key_load(cmd, keyfile, passfile, kp) != 0)
		return EXIT_REJECTED;
	if ((*kp)->id != key->id || (*kp)->scheme != key->scheme ||
	    memcmp((*kp)->public, key->public, sizeof(key->public)) != 0) {
		keys_free(*kp);
		*kp = NULL;
		return cli_reject(cmd, "%s is not the secret of key %u in this "
		    "store", keyfile, (unsigned)id);
	}
	return 0;
}

/* Makes a directory private to its owner. */
int
cli_dir_private(const char *dir)
{
	struct stat sb;
	int ret;

	if ((ret = fsutil_mkdirs(dir, 0700)) < 0)
		return ret;
	if (stat(dir, &sb) < 0)
		return -errno;
	if ((sb.st_mode & 077) != 0 && sb.st_uid == geteuid() &&
	    chmod(dir, sb.st_mode & 07700) < 0)
		return -errno;
	return 0;
}

/* Prints a usage error. */
int
cli_usage(const char *cmd, const char *fmt, ...)
{
	const char *sep = *cmd != '\0' ? " " : "";
	va_list ap;

	/* cmd is "" for the global options: "scanloop: ...". */
	fprintf(stderr, "scanloop%s%s: ", sep, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'scanloop%s%s --help')\n", sep, cmd);
	return EXIT_USAGE;
}

/* Prints a rejection. */
int
cli_reject(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "scanloop %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_REJECTED;
}

/* Strict unsigned decimal parsing. */
bool
cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9' || strlen(s) > 20)
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/*
 * Opens the store with a readable error. Read-only requests open it
 * writable too when they can, so that a store made by an older scanloop
 * gains the databases this one adds, and mints that died are cleaned up.
 */
int
cli_store_open(const char *cmd, int flags, struct store **st)
{
	unsigned recovered;
	int ret;

	if (flags & STORE_RDONLY) {
		ret = store_open(cli_db(), flags & ~STORE_RDONLY, st);
		if (ret == -EACCES || ret == -EROFS)
			ret = store_open(cli_db(), flags, st);
	} else
		ret = store_open(cli_db(), flags, st);
	if (ret == 0) {
		if (store_mint_recover(*st, &recovered) == 0 && recovered > 0)
			fprintf(stderr, "scanloop %s: removed %u batch%s left by "
			    "an interrupted mint\n", cmd, recovered,
			    recovered == 1 ? "" : "es");
		return 0;
	}
	if (ret == -ENOENT)
		return cli_reject(cmd, "no store at %s (create one with "
		    "'scanloop key new', or give --db)", cli_db());
	return cli_reject(cmd, "cannot open the store at %s: %s", cli_db(),
	    store_strerror(ret));
}

/* Opens the store and begins a transaction, read-only with STORE_RDONLY. */
int
cli_store_begin(const char *cmd, int flags, struct store **st,
    struct store_txn *t)
{
	int ret, rc;

	if ((rc = cli_store_open(cmd, flags, st)) != 0)
		return rc;
	if ((ret = store_txn_begin(*st, (flags & STORE_RDONLY) != 0, t)) < 0) {
		store_close(*st);
		*st = NULL;
		return cli_reject(cmd, "%s", store_strerror(ret));
	}
	return 0;
}

/* Runs fn in one read transaction of the store (cli.h). */
int
cli_store_read(const char *cmd, int (*fn)(struct store_txn *, void *),
    void *arg)
{
	struct store *st = NULL;
	struct store_txn t;
	int ret, rc;

	if ((rc = cli_store_open(cmd, STORE_RDONLY, &st)) != 0)
		return rc;
	if ((ret = store_txn_begin(st, true, &t)) == 0) {
		ret = fn(&t, arg);
		store_txn_abort(&t);
	}
	store_close(st);
	return ret;
}

/* Prints help. */
void
cli_print_help(const char *text)
{
	fputs(text, stdout);
}

/* Resets getopt state (glibc: optind 0 re-initialises). */
void
cli_getopt_reset(void)
{
	optind = 0;
	opterr = 0;
}

/* Starts a command that takes a subcommand. */
const char *
cli_subcommand(const char *tool, const char *help, const char *what,
    const char *const subs[], int *argc, char ***argv, char cmd[CLI_CMD_MAX],
    int *rc)
{
	const char *sub = *argc >= 2 ? (*argv)[1] : NULL;
	char known[256] = "";

	*rc = 0;
	if (sub == NULL || strcmp(sub, "--help") == 0 ||
	    strcmp(sub, "-h") == 0) {
		cli_print_help(help);
		*rc = sub == NULL ? EXIT_USAGE : 0;
		return NULL;
	}
	for (const char *const *p = subs; *p != NULL; p++) {
		if (strcmp(sub, *p) == 0) {
			snprintf(cmd, CLI_CMD_MAX, "%s %s", tool, sub);
			(*argc)--;
			(*argv)++;
			cli_getopt_reset();
			return sub;
		}
		snprintf(known + strlen(known), sizeof(known) - strlen(known),
		    "%s%s", p == subs ? "" : ", ", *p);
	}
	*rc = cli_usage(tool, "unknown %s '%s' (%s)", what, sub, known);
	return NULL;
}

/* True when s is valid UTF-8 without control characters. */
bool
cli_text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		int n;
		uint32_t cp;

		if (*p < 0x20 || *p == 0x7f)
			return false;
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			n = 1;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2;
			cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			n = 3;
			cp = *p & 0x07;
		} else
			return false;
		p++;
		for (int i = 0; i < n; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (*p & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
}

/* Formats a time for humans. */
const char *
cli_time(int64_t us, char buf[40])
{
	time_t secs = (time_t)(us / 1000000);
	struct tm tm;

	if (us == 0) {
		strcpy(buf, "-");
		return buf;
	}
	gmtime_r(&secs, &tm);
	strftime(buf, 40, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return buf;
}

/* Takes a subcommand's operand, if it has one. */
int
cli_operand(const char *cmd, const char *what, int argc, char **argv,
    const char **arg)
{
	int i = optind;

	*arg = NULL;
	if (what != NULL) {
		if (i >= argc)
			return cli_usage(cmd, "%s is required", what);
		*arg = argv[i++];
	}
	if (i < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
	return 0;
}

/* Reports what getopt_long rejected (optstring starts with ':'). */
int
cli_getopt_error(const char *cmd, int ch, char **argv)
{
	const char *opt = optind > 0 ? argv[optind - 1] : "?";

	if (ch == ':')
		return cli_usage(cmd, "option '%s' needs a value", opt);
	if (optopt != 0 && strncmp(opt, "--", 2) != 0)
		return cli_usage(cmd, "unknown option '-%c'", optopt);
	return cli_usage(cmd, "unknown option '%s'", opt);
}

/* getopt_long with what every subcommand does for --db, -h and errors. */
int
cli_getopt(const char *cmd, const char *help, int argc, char **argv,
    const char *optstring, const struct option *longopts, int *rc)
{
	int ch;

	while ((ch = getopt_long(argc, argv, optstring, longopts, NULL)) == 'D')
		cli_set_db(optarg);
	switch (ch) {
	case 'h':
		cli_print_help(help);
		*rc = 0;
		return CLI_OPT_EXIT;
	case '?':
	case ':':
		*rc = cli_getopt_error(cmd, ch, argv);
		return CLI_OPT_EXIT;
	default:
		return ch;
	}
}
