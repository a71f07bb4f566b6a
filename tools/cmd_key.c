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
"                      [--passphrase-file F] [--db DIR]\n"
"     scanloop key list [--db DIR]\n"
"     scanloop key show --id N [--db DIR]\n"
"\n"
"DESCRIPTION\n"
"     key new creates key N (0-255). Its public part goes into the store;\n"
"     its secret goes to KEYS/key-N.secret with mode 0600, where KEYS is\n"
"     $SCANLOOP_KEYS or the directory 'keys' beside the store, so that a\n"
"     copy of the store (or a scan server) holds no secret. With\n"
"     --passphrase-file the secret is encrypted at rest (Argon2id and\n"
"     XChaCha20-Poly1305); mint then needs the same file.\n"
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
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, rc;

	memset(o, 0, sizeof(*o));
	o->scheme = CODE_SCHEME_ED25519;
	cli_getopt_reset();
	while ((ch = cli_getopt(cmd, key_help, argc, argv,
	    ":i:s:u:P:D:h", longopts, &rc)) != -1) {
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
	const char *cmd = "key new", *why, *path;
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
	if ((ret = fsutil_mkdirs(cli_keys_dir(), 0700)) < 0) {
		cli_reject(cmd, "cannot create %s: %s", cli_keys_dir(),
		    strerror(-ret));
		goto out;
	}
	if ((ret = keys_save(kp, path, pass, passlen)) < 0) {
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
	    "(mode 0600, %s)\n", kp->id, code_scheme_name(kp->scheme), url,
	    kp->scheme == CODE_SCHEME_ED25519 ? "public_key" : "fingerprint",
	    hex, path, pass ? "encrypted with the passphrase" :
	    "not encrypted: consider --passphrase-file");
	rc = 0;
out:
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
		    " (not on this machine)");
	}
	store_txn_abort(&t);
	store_close(st);
	return rc;
}

/* Dispatches key subcommands. */
int
cmd_key(int argc, char **argv)
{
	struct key_opts o;
	static const char *const subs[] = { "new", "list", "show", NULL };
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
	return key_read(&o, strcmp(sub, "show") == 0);
}
