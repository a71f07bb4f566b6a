/* cmd_key.c — scanloop key new | list | show. */
#include "tools/cli.h"
#include "codegen/keys.h"
#include "common/clock.h"
#include "common/fsutil.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The store keeps the public part as the key file has it. */
static_assert(KEYS_PUBLIC_BYTES == STORE_KEY_PUBLIC_BYTES, "public key size");

static const char key_help[] =
"NAME\n"
"     scanloop key — create and list signing keys\n"
"\n"
"SYNOPSIS\n"
"     scanloop key new --id N [--scheme ed25519|mac] [--base-url URL]\n"
"                      [--passphrase-file F] [--secret-keys DIR] [--db DIR]\n"
"     scanloop key list [--db DIR]\n"
"     scanloop key show --id N [--secret-keys DIR] [--db DIR]\n"
"     scanloop key migrate [--secret-keys DIR] [--db DIR]\n"
"\n"
"DESCRIPTION\n"
"     key new creates key N (0-255). Its public part goes into the store;\n"
"     its secret goes to SECRET/key-N.secret with mode 0600, where SECRET\n"
"     (mode 0700) is --secret-keys, $SCANLOOP_SECRET_KEYS or the directory\n"
"     'secret-keys' beside the store: apart from the store and from KEYS\n"
"     (server.secret), the only directories the scan server reads, so\n"
"     that neither a copy of the store nor the server holds a signing key.\n"
"     The secret is encrypted at rest (Argon2id and XChaCha20-Poly1305):\n"
"     with the first line of --passphrase-file, or else with a random\n"
"     passphrase written to SECRET/key-N.pass (mode 0600), which mint\n"
"     finds there by itself. Keep key-N.pass apart from the key file (in\n"
"     the print line's credential store; mint --passphrase-file) and the\n"
"     key file alone is useless.\n"
"\n"
"     key migrate moves the signing keys an older version left in KEYS to\n"
"     SECRET, encrypting an unencrypted one with a new key-N.pass: until\n"
"     then serve refuses to start.\n"
"\n"
"     ed25519 (the default) signs codes with Ed25519: anyone holding the\n"
"     public key can verify a code offline. mac makes short codes (a QR\n"
"     version 4 symbol) with a keyed BLAKE2b tag; only the secret can check\n"
"     them offline, so the store keeps just a fingerprint of the key.\n"
"\n"
"     key show prints the public key as 64 hex digits on a line\n"
"     'public_key: ...'.\n"
"\n"
"OPTIONS\n"
"     -i, --id N               key id, 0 to 255\n"
"     -s, --scheme S           ed25519 (default) or mac\n"
"     -u, --base-url URL       host of the codes (default HTTPS://S.EXAMPLE.COM)\n"
"     -P, --passphrase-file F  encrypt the secret with the first line of F\n"
"     -S, --secret-keys DIR    the signing keys' directory\n"
"     -D, --db DIR             the store (default ./var/scanloop)\n"
"     -h, --help               this text\n"
"\n"
"EXIT STATUS\n"
"     0 on success, 1 when rejected (id taken, unknown key), 2 on a usage\n"
"     error.\n";

/* Options of the key subcommands. */
struct key_opts {
	bool have_id;
	uint64_t id;
	int scheme;
	const char *base_url;
	const char *passfile;
};

/* Parses options shared by key subcommands. */
static int
key_parse(int argc, char **argv, const char *cmd, struct key_opts *o)
{
	static const struct option longopts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "scheme", required_argument, NULL, 's' },
		{ "base-url", required_argument, NULL, 'u' },
		{ "passphrase-file", required_argument, NULL, 'P' },
		{ "secret-keys", required_argument, NULL, 'S' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, rc;

	memset(o, 0, sizeof(*o));
	o->scheme = CODE_SCHEME_ED25519;
	cli_getopt_reset();
	while ((ch = cli_getopt(cmd, key_help, argc, argv,
	    ":i:s:u:P:S:D:h", longopts, &rc)) != -1) {
		switch (ch) {
		case 'i':
			if (!cli_parse_u64(optarg, 0, 255, &o->id))
				return cli_usage(cmd, "--id must be a number from "
				    "0 to 255, not '%s'", optarg);
			o->have_id = true;
			break;
		case 's':
			if ((o->scheme = code_scheme_parse(optarg)) < 0)
				return cli_usage(cmd, "unknown scheme '%s' "
				    "(ed25519 or mac)", optarg);
			break;
		case 'u':
			o->base_url = optarg;
			break;
		case 'P':
			o->passfile = optarg;
			break;
		case 'S':
			cli_set_secret_keys(optarg);
			break;
		case CLI_OPT_EXIT:
			return rc == 0 ? -1 : rc;
		}
	}
	if (optind < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* key new. */
static int
key_new(const struct key_opts *o)
{
	const char *cmd = "key new", *why, *path, *passpath = NULL;
	char url[CODE_BASE_URL_MAX + 1], hex[65];
	struct keypair *kp = NULL;
	struct store *st = NULL;
	struct store_key k;
	struct store_txn t;
	char *pass = NULL;
	size_t passlen = 0;
	int ret, rc = EXIT_REJECTED;

	if (!o->have_id)
		return cli_usage(cmd, "--id is required");
	if (code_base_url_normalize(o->base_url ? o->base_url :
	    CODE_DEFAULT_BASE_URL, url, &why) < 0)
		return cli_usage(cmd, "bad --base-url: %s", why);
	if (o->passfile != NULL &&
	    (ret = keys_read_passphrase(o->passfile, &pass, &passlen, &why)) < 0)
		return cli_reject(cmd, "%s: %s (%s)", o->passfile, why,
		    strerror(-ret));
	if ((rc = cli_store_open(cmd, STORE_CREATE, &st)) != 0)
		goto out;
	rc = EXIT_REJECTED;
	if ((ret = store_txn_begin(st, true, &t)) < 0) {
		cli_reject(cmd, "%s", store_strerror(ret));
		goto out;
	}
	ret = store_key_get_txn(&t, (uint8_t)o->id, &k);
	store_txn_abort(&t);
	if (ret == 0) {
		cli_reject(cmd, "key %u already exists", (unsigned)o->id);
		goto out;
	}
	if ((ret = keys_generate((uint8_t)o->id, o->scheme, &kp)) < 0) {
		cli_reject(cmd, "cannot generate a key: %s", strerror(-ret));
		goto out;
	}
	path = cli_key_path((unsigned)o->id);
	if ((ret = cli_dir_private(cli_secret_keys_dir())) < 0) {
		cli_reject(cmd, "cannot create %s: %s", cli_secret_keys_dir(),
		    strerror(-ret));
		goto out;
	}
	if (access(path, F_OK) == 0) {
		cli_reject(cmd, "cannot write %s: a secret key file is already "
		    "there", path);
		goto out;
	}
	if (pass == NULL) {
		passpath = cli_key_pass_path((unsigned)o->id);
		if ((ret = keys_passphrase_new(passpath, &pass, &passlen)) < 0) {
			cli_reject(cmd, "cannot write %s: %s", passpath,
			    ret == -EEXIST ? "a passphrase file is already "
			    "there" : strerror(-ret));
			passpath = NULL;
			goto out;
		}
	}
	if ((ret = keys_save_kdf(kp, path, pass, passlen, passpath != NULL)) <
	    0) {
		cli_reject(cmd, "cannot write %s: %s", path, ret == -EEXIST ?
		    "a secret key file is already there" : strerror(-ret));
		goto out;
	}
	if ((ret = store_key_add(st, kp->id, kp->scheme, kp->public, url,
	    clock_now_us())) < 0) {
		unlink(path);
		cli_reject(cmd, "cannot add the key to the store: %s",
		    ret == -EEXIST ? "the id was taken meanwhile" :
		    store_strerror(ret));
		goto out;
	}
	sodium_bin2hex(hex, sizeof(hex), kp->public, sizeof(kp->public));
	printf("key_id: %u\nscheme: %s\nbase_url: %s\n%s: %s\nsecret: %s "
	    "(mode 0600, encrypted)\npassphrase: %s\n", kp->id,
	    code_scheme_name(kp->scheme), url,
	    kp->scheme == CODE_SCHEME_ED25519 ? "public_key" : "fingerprint",
	    hex, path, passpath != NULL ? passpath : o->passfile);
	if (passpath != NULL)
		printf("note: keep %s apart from the key file (mint finds it "
		    "there, or takes --passphrase-file)\n", passpath);
	passpath = NULL;
	rc = 0;
out:
	if (passpath != NULL)
		unlink(passpath);
	keys_free(kp);
	keys_free_passphrase(pass);
	store_close(st);
	return rc;
}

/* Prints one key row. */
static int
key_list_cb(const struct store_key *k, void *arg)
{
	char hex[65], when[40];

	(void)arg;
	sodium_bin2hex(hex, sizeof(hex), k->public, sizeof(k->public));
	printf("%-4u %-8s %-24s %-26s %.16s…\n", k->id,
	    code_scheme_name(k->scheme), cli_time(k->created, when), k->base_url,
	    hex);
	return 0;
}

/* key list / key show. */
static int
key_read(const struct key_opts *o, bool show)
{
	const char *cmd = show ? "key show" : "key list";
	struct store *st = NULL;
	struct store_txn t;
	struct store_key k;
	int ret, rc;

	if (show && !o->have_id)
		return cli_usage(cmd, "--id is required");
	if (o->base_url || o->passfile || o->scheme != CODE_SCHEME_ED25519)
		return cli_usage(cmd, "only --id and --db apply here");
	if ((rc = cli_store_open(cmd, STORE_RDONLY, &st)) != 0)
		return rc;
	if ((ret = store_txn_begin(st, true, &t)) < 0) {
		store_close(st);
		return cli_reject(cmd, "%s", store_strerror(ret));
	}
	rc = 0;
	if (!show) {
		printf("%-4s %-8s %-24s %-26s %s\n", "id", "scheme", "created",
		    "base_url", "public key");
		if ((ret = store_key_foreach_txn(&t, key_list_cb, NULL)) < 0)
			rc = cli_reject(cmd, "%s", store_strerror(ret));
	} else if ((ret = store_key_get_txn(&t, (uint8_t)o->id, &k)) < 0) {
		rc = cli_reject(cmd, ret == -ENOENT ? "no key %u in the store" :
		    "cannot read key %u", (unsigned)o->id);
	} else {
		char hex[65], when[40];

		sodium_bin2hex(hex, sizeof(hex), k.public, sizeof(k.public));
		printf("key_id: %u\nscheme: %s\nbase_url: %s\ncreated: %s\n",
		    k.id, code_scheme_name(k.scheme), k.base_url,
		    cli_time(k.created, when));
		if (k.scheme == CODE_SCHEME_ED25519)
			printf("public_key: %s\n", hex);
		else
			printf("fingerprint: %s\n", hex);
		printf("secret_file: %s%s\n", cli_key_path(k.id),
		    access(cli_key_path(k.id), F_OK) == 0 ? "" :
		    access(cli_key_old_path(k.id), F_OK) == 0 ?
		    " (still in the server's directory: run 'scanloop key "
		    "migrate')" : " (not on this machine)");
	}
	store_txn_abort(&t);
	store_close(st);
	return rc;
}

/* Moves key id's secret file from the server's directory to the signing
 * keys' one, encrypting an unencrypted one with a new passphrase file.
 * Returns 1 if moved, 0 if there was none, or an exit code after an
 * error line. */
/* Moves key id's secret file from the server's directory to the signing
 * keys' one, encrypting an unencrypted one with a new passphrase file.
 * Returns 1 if moved, 0 if there was none, -1 after an error line. */
static int
key_migrate_one(const char *cmd, unsigned id)
{
	char old[PATH_MAX + 32], to[PATH_MAX + 32];
	struct keypair *kp = NULL;
	char *pass = NULL;
	const char *why;
	size_t passlen;
	int ret, rc = -1;

	snprintf(old, sizeof(old), "%s", cli_key_old_path(id));
	snprintf(to, sizeof(to), "%s", cli_key_path(id));
	if (access(old, F_OK) < 0)
		return 0;
	if (access(to, F_OK) == 0) {
		cli_reject(cmd, "%s: %s is already there; move or remove one "
		    "of them", old, to);
		return -1;
	}
	ret = keys_load(old, NULL, 0, &kp, &why);
	if (ret == -EPERM) {
		/* Encrypted with the operator's passphrase: move it as is. */
		if (rename(old, to) < 0) {
			cli_reject(cmd, "cannot move %s to %s: %s", old, to,
			    strerror(errno));
			return -1;
		}
		printf("moved %s to %s (encrypted with your passphrase)\n", old,
		    to);
		return 1;
	}
	if (ret < 0) {
		cli_reject(cmd, "%s: %s", old, why);
		return -1;
	}
	if ((ret = keys_passphrase_new(cli_key_pass_path(id), &pass,
	    &passlen)) < 0) {
		cli_reject(cmd, "cannot write %s: %s", cli_key_pass_path(id),
		    strerror(-ret));
		goto out;
	}
	if ((ret = keys_save_kdf(kp, to, pass, passlen, true)) < 0) {
		unlink(cli_key_pass_path(id));
		cli_reject(cmd, "cannot write %s: %s", to, strerror(-ret));
		goto out;
	}
	if (unlink(old) < 0) {
		cli_reject(cmd, "%s is encrypted in %s, but cannot be removed: "
		    "%s", old, to, strerror(errno));
		goto out;
	}
	printf("moved %s to %s, encrypted with %s\n", old, to,
	    cli_key_pass_path(id));
	rc = 1;
out:
	keys_free(kp);
	keys_free_passphrase(pass);
	return rc;
}

/* key migrate: every signing key out of the server's directory. */
static int
key_migrate(const struct key_opts *o)
{
	const char *cmd = "key migrate";
	unsigned moved = 0;
	int ret;

	if (o->have_id || o->base_url || o->passfile ||
	    o->scheme != CODE_SCHEME_ED25519)
		return cli_usage(cmd, "only --secret-keys and --db apply here");
	if ((ret = cli_dir_private(cli_secret_keys_dir())) < 0)
		return cli_reject(cmd, "cannot create %s: %s",
		    cli_secret_keys_dir(), strerror(-ret));
	if (access(cli_keys_dir(), F_OK) == 0 &&
	    (ret = cli_dir_private(cli_keys_dir())) < 0)
		return cli_reject(cmd, "cannot make %s private: %s",
		    cli_keys_dir(), strerror(-ret));
	for (unsigned id = 0; id <= 255; id++) {
		int r = key_migrate_one(cmd, id);

		if (r < 0)
			return EXIT_REJECTED;
		moved += (unsigned)r;
	}
	if (moved == 0)
		printf("no signing key in %s: nothing to move\n",
		    cli_keys_dir());
	return 0;
}

/* Dispatches key subcommands. */
int
cmd_key(int argc, char **argv)
{
	struct key_opts o;
	static const char *const subs[] = { "new", "list", "show", "migrate",
	    NULL };
	const char *sub;
	char cmd[CLI_CMD_MAX];
	int rc;

	if ((sub = cli_subcommand("key", key_help, "subcommand", subs,
	    &argc, &argv, cmd, &rc)) == NULL)
		return rc;
	if ((rc = key_parse(argc, argv, cmd, &o)) != 0)
		return rc < 0 ? 0 : rc;
	if (strcmp(sub, "new") == 0)
		return key_new(&o);
	if (strcmp(sub, "migrate") == 0)
		return key_migrate(&o);
	return key_read(&o, strcmp(sub, "show") == 0);
}
