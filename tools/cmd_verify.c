/* cmd_verify.c — scanloop verify: one verdict line per code. */
#include "tools/cli.h"
#include "codegen/keys.h"
#include "scanner/verify.h"

#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char verify_help[] =
"NAME\n"
"     scanloop verify — check codes: signature, key and state\n"
"\n"
"SYNOPSIS\n"
"     scanloop verify [--full] [--db DIR] CODE-OR-URL...\n"
"     scanloop verify [--full] [--db DIR] < codes.txt\n"
"     scanloop verify --offline --pubkey HEX CODE-OR-URL...\n"
"     scanloop verify --offline --key-file F [--passphrase-file P] CODE...\n"
"\n"
"DESCRIPTION\n"
"     Parses each code (a URL, or its path), checks its signature and key,\n"
"     and looks up its state in the store. With no arguments, reads one\n"
"     code a line from stdin. Prints one line per code:\n"
"         VERDICT SERIAL DETAIL\n"
"     where VERDICT is genuine (signature good, batch active), not_active,\n"
"     void, forged (bad signature, unknown key or serial, wrong GTIN) or\n"
"     malformed.\n"
"\n"
"     A code the store knows is checked against the digest the store keeps\n"
"     of its signature; --full also runs the Ed25519 verification.\n"
"     --offline needs no store: it checks the signature alone against an\n"
"     Ed25519 public key (key show prints it), or a MAC key's secret file;\n"
"     its verdicts are valid or forged.\n"
"\n"
"OPTIONS\n"
"         --full               full Ed25519 check for known codes too\n"
"         --offline            signature only, no store\n"
"         --pubkey HEX         Ed25519 public key (64 hex digits)\n"
"         --key-file F         a secret key file (for MAC codes offline)\n"
"     -P, --passphrase-file F  passphrase of an encrypted key file\n"
"     -D, --db DIR             the store (default ./var/scanloop)\n"
"     -h, --help               this text\n"
"\n"
"EXIT STATUS\n"
"     0 if every code is genuine and active (offline: validly signed),\n"
"     1 if any is not, 2 on a usage error.\n";

struct verify_ctx {
	bool offline;
	bool full;
	uint8_t pubkey[32];
	bool have_pubkey;
	struct keypair *kp;
	struct store_txn t;
	unsigned bad;
};

/* Prints the first 60 characters of input for a malformed line. */
static void
verify_print_raw(const char *verdict, const char *text, size_t len,
    const char *reason)
{
	printf("%-10s %-13s %s: \"%.*s%s\"\n", verdict, "-", reason,
	    (int)(len > 60 ? 60 : len), text, len > 60 ? "..." : "");
}

/* Verifies one code and prints its line. */
static int
verify_one(struct verify_ctx *v, const char *text, size_t len)
{
	char serial[CODE_SERIAL_CHARS + 1];
	struct verify_result r;
	struct code c;
	const char *why;
	int ret;

	if (v->offline) {
		if (code_parse(text, len, &c, &why) < 0) {
			verify_print_raw("malformed", text, len, why);
			v->bad++;
			return 0;
		}
		code_serial_text(c.serial, serial);
		if (v->kp != NULL) {
			ret = c.key_id != v->kp->id || c.scheme != v->kp->scheme ?
			    -EBADMSG : c.scheme == CODE_SCHEME_MAC ?
			    keys_verify_mac(keys_secret(v->kp), &c) :
			    keys_verify_ed25519(v->kp->public, &c);
		} else
			ret = keys_verify_ed25519(v->pubkey, &c);
		if (ret == 0)
			printf("%-10s %s GTIN %s, key %u, %s signature valid\n",
			    "valid", serial, c.gtin, c.key_id,
			    code_scheme_name(c.scheme));
		else {
			printf("%-10s %s bad signature for this key\n", "forged",
			    serial);
			v->bad++;
		}
		return 0;
	}
	if ((ret = verify_text_txn(&v->t, text, len,
	    v->full ? VERIFY_FULL_SIGNATURE : 0, &r)) < 0)
		return ret;
	if (r.verdict == VERDICT_MALFORMED) {
		verify_print_raw("malformed", text, len, r.reason);
		v->bad++;
		return 0;
	}
	code_serial_text(r.code.serial, serial);
	if (r.verdict == VERDICT_GENUINE)
		printf("%-10s %s active, batch %u, GTIN %s, key %u\n", "genuine",
		    serial, r.batch.id, r.code.gtin, r.code.key_id);
	else {
		printf("%-10s %s %s", verify_verdict_name(r.verdict), serial,
		    r.reason);
		if (r.known)
			printf(", batch %u", r.batch.id);
		printf("\n");
		v->bad++;
	}
	return 0;
}

/* Runs the verify command. */
int
cmd_verify(int argc, char **argv)
{
	enum { OPT_FULL = 256, OPT_OFFLINE, OPT_PUBKEY, OPT_KEYFILE };
	static const struct option longopts[] = {
		{ "full", no_argument, NULL, OPT_FULL },
		{ "offline", no_argument, NULL, OPT_OFFLINE },
		{ "pubkey", required_argument, NULL, OPT_PUBKEY },
		{ "key-file", required_argument, NULL, OPT_KEYFILE },
		{ "passphrase-file", required_argument, NULL, 'P' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "verify", *keyfile = NULL, *passfile = NULL;
	struct verify_ctx v;
	struct store *st = NULL;
	char *line = NULL;
	size_t linecap = 0, got;
	int ch, ret, rc = EXIT_REJECTED;

	memset(&v, 0, sizeof(v));
	cli_getopt_reset();
	while ((ch = cli_getopt(cmd, verify_help, argc, argv,
	    ":P:D:h", longopts, &rc)) != -1) {
		switch (ch) {
		case OPT_FULL:
			v.full = true;
			break;
		case OPT_OFFLINE:
			v.offline = true;
			break;
		case OPT_PUBKEY:
			if (strlen(optarg) != 64 || sodium_hex2bin(v.pubkey, 32,
			    optarg, 64, NULL, &got, NULL) != 0 || got != 32)
				return cli_usage(cmd, "--pubkey must be 64 hex "
				    "digits");
			v.have_pubkey = true;
			break;
		case OPT_KEYFILE:
			keyfile = optarg;
			break;
		case 'P':
			passfile = optarg;
			break;
		case CLI_OPT_EXIT:
			return rc;
		}
	}
	if (v.offline && v.have_pubkey == (keyfile != NULL))
		return cli_usage(cmd, "--offline needs --pubkey HEX or "
		    "--key-file F");
	if (!v.offline && (v.have_pubkey || keyfile))
		return cli_usage(cmd, "--pubkey and --key-file need --offline");
	if (v.offline && v.full)
		return cli_usage(cmd, "--full applies to store verification");
	if (keyfile != NULL &&
	    (rc = cli_key_load(cmd, keyfile, passfile, &v.kp)) != 0)
		return rc;
	if (!v.offline) {
		if ((rc = cli_store_open(cmd, STORE_RDONLY, &st)) != 0)
			goto out;
		rc = EXIT_REJECTED;
		if ((ret = store_txn_begin(st, true, &v.t)) < 0) {
			cli_reject(cmd, "%s", store_strerror(ret));
			goto out;
		}
	}
	ret = 0;
	if (optind < argc) {
		for (int i = optind; i < argc && ret == 0; i++)
			ret = verify_one(&v, argv[i], strlen(argv[i]));
	} else {
		ssize_t n;

		unsigned long lines = 0;

		while (ret == 0 && (n = getline(&line, &linecap, stdin)) >= 0) {
			size_t len = (size_t)n;

			/* A fresh snapshot now and then: a long read
			 * transaction keeps LMDB from reusing pages. */
			if (!v.offline && ++lines % 10000 == 0) {
				store_txn_reset(&v.t);
				if ((ret = store_txn_renew(&v.t)) < 0)
					break;
			}

			while (len > 0 && (line[len - 1] == '\n' ||
			    line[len - 1] == '\r'))
				len--;
			if (len == 0)
				continue;
			ret = verify_one(&v, line, len);
		}
	}
	fflush(stdout);
	if (ret < 0) {
		cli_reject(cmd, "store error: %s", store_strerror(ret));
		goto out;
	}
	rc = v.bad > 0 ? EXIT_REJECTED : 0;
out:
	if (!v.offline)
		store_txn_abort(&v.t);
	keys_free(v.kp);
	free(line);
	store_close(st);
	return rc;
}
