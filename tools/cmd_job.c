/* cmd_job.c — scanloop job keygen | open: the print house's side. */
#include "tools/cli.h"
#include "codegen/job.h"
#include "codegen/keys.h"

#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char job_help[] =
"NAME\n"
"     scanloop job — print house keys; open a sealed print job\n"
"\n"
"SYNOPSIS\n"
"     scanloop job keygen --out FILE [--passphrase-file F]\n"
"     scanloop job open SEALED --key FILE --out DIR [--passphrase-file F]\n"
"\n"
"DESCRIPTION\n"
"     A print house runs 'job keygen' once: it writes its secret key to\n"
"     FILE (mode 0600, encrypted with a passphrase if given) and its public\n"
"     key to FILE.pub, which it sends to the brand. The brand mints with\n"
"     'scanloop mint --seal-to FILE.pub': the job leaves the brand as\n"
"     JOBDIR/job.sealed, readable only with the print house's secret key.\n"
"\n"
"     'job open' checks and decrypts a sealed job and restores the print\n"
"     job in DIR (which must not exist) exactly as the mint wrote it. A\n"
"     job that was altered, truncated or sealed to another key is refused\n"
"     and DIR does not appear.\n"
"\n"
"OPTIONS\n"
"     -o, --out PATH           key file (keygen) or output directory (open)\n"
"     -k, --key FILE           the print house's secret key file\n"
"     -P, --passphrase-file F  passphrase for the secret key file\n"
"     -h, --help               this text\n"
"\n"
"EXIT STATUS\n"
"     0 on success, 1 when rejected (tampered job, wrong key...), 2 on a\n"
"     usage error.\n";

/* Runs the job command. */
int
cmd_job(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "key", required_argument, NULL, 'k' },
		{ "passphrase-file", required_argument, NULL, 'P' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const subs[] = { "keygen", "open", NULL };
	const char *sub, *jobfile = NULL, *out = NULL, *keyfile = NULL;
	const char *passfile = NULL, *why;
	struct keypair *kp = NULL;
	char *pass = NULL, cmd[CLI_CMD_MAX], pubpath[4096];
	size_t passlen = 0;
	int ch, ret, rc;

	if ((sub = cli_subcommand("job", job_help, "subcommand", subs,
	    &argc, &argv, cmd, &rc)) == NULL)
		return rc;
	rc = EXIT_REJECTED;
	while ((ch = cli_getopt(cmd, job_help, argc, argv,
	    ":o:k:P:D:h", longopts, &rc)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'P':
			passfile = optarg;
			break;
		case CLI_OPT_EXIT:
			return rc;
		}
	}
	if (out == NULL)
		return cli_usage(cmd, "--out is required");
	if (strcmp(sub, "keygen") == 0) {
		if (keyfile != NULL || optind < argc)
			return cli_usage(cmd, "keygen takes only --out and "
			    "--passphrase-file");
	} else {
		if ((ret = cli_operand(cmd, "the sealed job file", argc, argv,
		    &jobfile)) != 0)
			return ret;
		if (keyfile == NULL)
			return cli_usage(cmd, "--key is required");
	}
	if (passfile != NULL && (ret = keys_read_passphrase(passfile, &pass,
	    &passlen, &why)) < 0)
		return cli_reject(cmd, "%s: %s", passfile, why);

	if (strcmp(sub, "keygen") == 0) {
		char hex[65];

		if (snprintf(pubpath, sizeof(pubpath), "%s.pub", out) >=
		    (int)sizeof(pubpath)) {
			rc = cli_usage(cmd, "--out is too long");
			goto done;
		}
		if (access(out, F_OK) == 0 || access(pubpath, F_OK) == 0) {
			cli_reject(cmd, "%s or %s already exists", out, pubpath);
			goto done;
		}
		if ((ret = keys_generate(0, KEYS_SCHEME_BOX, &kp)) < 0 ||
		    (ret = keys_save(kp, out, pass, passlen)) < 0) {
			cli_reject(cmd, "cannot write %s: %s", out, strerror(-ret));
			goto done;
		}
		if ((ret = job_write_public(pubpath, kp->public)) < 0) {
			unlink(out);
			cli_reject(cmd, "cannot write %s: %s", pubpath,
			    strerror(-ret));
			goto done;
		}
		sodium_bin2hex(hex, sizeof(hex), kp->public, 32);
		printf("secret key: %s (mode 0600, %s)\npublic key: %s\n"
		    "public_key: %s\nsend %s to the brand; keep %s here\n", out,
		    pass ? "encrypted" : "not encrypted", pubpath, hex, pubpath,
		    out);
		rc = 0;
	} else {
		if ((ret = keys_load(keyfile, pass, passlen, &kp, &why)) < 0) {
			cli_reject(cmd, "%s: %s", keyfile, why);
			goto done;
		}
		if ((ret = job_open_sealed(jobfile, kp, out, &why)) < 0) {
			cli_reject(cmd, "%s: %s%s%s", jobfile,
			    why ? why : "cannot open", why ? "" : ": ",
			    why ? "" : strerror(-ret));
			goto done;
		}
		printf("opened %s into %s\n", jobfile, out);
		rc = 0;
	}
done:
	keys_free(kp);
	keys_free_passphrase(pass);
	return rc;
}
