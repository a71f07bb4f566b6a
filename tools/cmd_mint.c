/* cmd_mint.c — scanloop mint: a batch of signed codes and its print job. */
#include "tools/cli.h"
#include "codegen/job.h"
#include "codegen/keys.h"
#include "codegen/mint.h"
#include "codegen/sscc.h"
#include "codegen/render.h"
#include "common/clock.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char mint_help[] =
"NAME\n"
"     scanloop mint — mint a batch of signed codes and write its print job\n"
"\n"
"SYNOPSIS\n"
"     scanloop mint --key N --product GTIN --count N --out JOBDIR\n"
"                   [--line NAME] [--png] [--svg] [--module-px N]\n"
"                   [--ecc L|M|Q|H] [--seal-to FILE] [--draw-codes]\n"
"                   [--case-size N [--pallet-size M] --company-prefix P]\n"
"                   [--passphrase-file F] [--secret-keys DIR]\n"
"                   [--threads N] [--quiet] [--db DIR]\n"
"\n"
"DESCRIPTION\n"
"     Creates a batch of N codes (1 to 100000000) for the product GTIN,\n"
"     signed with key N, and writes the print job to JOBDIR, which must not\n"
"     exist:\n"
"         codes.csv      seq,serial,url (RFC 4180) in print order\n"
"         manifest.json  batch_id, product, key_id, scheme, count,\n"
"                        qr_version, ecc, created, codes_sha256, ...\n"
"         png/SERIAL.png one 1-bit QR image per code (--png)\n"
"         svg/SERIAL.svg one SVG per code (--svg)\n"
"         draw-codes.csv seq,serial,draw_url,draw_text (--draw-codes), with\n"
"                        draw-png/ and draw-svg/ images of the inner codes\n"
"         cases.csv      seq,serial,url: a case code per N items\n"
"                        (BASE/00/SSCC?S=SIG; serial is the SSCC),\n"
"                        pallets.csv the pallet codes, packing.csv\n"
"                        parent_serial,child_serial (docs/dealers.md)\n"
"     Serials are 8 random bytes from the CSPRNG, unique in the store.\n"
"     Signing and rendering use all cores. The mint is all or nothing: if\n"
"     it fails or is killed, the store keeps no part of the batch and\n"
"     JOBDIR does not appear; run it again. New batches are not active:\n"
"     their codes scan as genuine only after 'scanloop batch activate'.\n"
"\n"
"     With --seal-to, the job is written as JOBDIR/job.sealed, encrypted\n"
"     to the print house's public key (from 'scanloop job keygen'); only\n"
"     'scanloop job open' with its secret key restores it.\n"
"\n"
"OPTIONS\n"
"     -k, --key N               signing key id (its secret file must be here)\n"
"     -p, --product GTIN        GTIN-8/12/13/14 with a valid check digit\n"
"     -n, --count N             number of codes, 1 to 100000000\n"
"     -o, --out JOBDIR          print job directory (must not exist)\n"
"     -l, --line NAME           production line, recorded with the batch\n"
"         --png                 write a PNG per code\n"
"         --svg                 write an SVG per code\n"
"         --module-px N         pixels per QR module, 1 to 64 (default 4)\n"
"         --ecc L|M|Q|H         QR error correction (default M)\n"
"         --seal-to FILE        seal the job to a print house public key\n"
"         --draw-codes          also mint, per item, an inner draw code (a\n"
"                               random 80-bit token to print inside the\n"
"                               package) that prize draws take; the store\n"
"                               keeps only a keyed hash (KEYS/server.secret)\n"
"         --case-size N         a case code per N items (1 to 1000000)\n"
"         --pallet-size M       a pallet code per M cases (1 to 1000000)\n"
"         --company-prefix P    GS1 company prefix of the SSCCs (6-12 digits)\n"
"     -P, --passphrase-file F   passphrase of the signing key (default\n"
"                               SECRET/key-N.pass, which key new made)\n"
"         --key-file F          secret key file (default SECRET/key-N.secret)\n"
"     -S, --secret-keys DIR     the signing keys' directory SECRET (default\n"
"                               $SCANLOOP_SECRET_KEYS, else secret-keys\n"
"                               beside the store; never the server's KEYS)\n"
"     -j, --threads N           worker threads (default: one per core)\n"
"     -q, --quiet               no progress bar and no summary\n"
"     -D, --db DIR              the store (default ./var/scanloop)\n"
"     -h, --help                this text\n"
"\n"
"EXIT STATUS\n"
"     0 on success, 1 when rejected (no such key, JOBDIR exists or is not\n"
"     writable, disk full...), 2 on a usage error.\n";

static volatile sig_atomic_t mint_cancel;

/* SIGINT/SIGTERM: stop at the next block and clean up. */
static void
mint_signal(int sig)
{
	(void)sig;
	mint_cancel = 1;
}

/* The running phase of the progress bar: its name, when it began (where
 * the one before ended) and the time of the last report. */
struct mint_bar {
	char phase[32];
	int64_t start;		/* clock_mono_us */
	int64_t last;		/* the mint's start before any report */
};

/* Formats seconds as "M:SS" or "H:MM:SS". */
static void
mint_eta_text(double secs, char *out, size_t cap)
{
	unsigned long s = secs < 0 ? 0 : secs > 359999 ? 359999 :
	    (unsigned long)(secs + 0.5);

	if (s >= 3600)
		snprintf(out, cap, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60,
		    s % 60);
	else
		snprintf(out, cap, "%lu:%02lu", s / 60, s % 60);
}

/* Draws the progress bar on stderr (a terminal): the running phase, how
 * far, the rate of this phase and the time it still needs. */
static void
mint_progress_cb(const char *phase, uint64_t done, uint64_t total, void *arg)
{
	struct mint_bar *mb = arg;
	int width = 24, fill = total ? (int)(done * (uint64_t)width / total) : 0;
	int64_t now = clock_mono_us();
	double secs, rate;
	char bar[64], eta[32];

	if (strcmp(mb->phase, phase) != 0) {
		snprintf(mb->phase, sizeof(mb->phase), "%s", phase);
		mb->start = mb->last;
	}
	mb->last = now;
	secs = (double)(now - mb->start) / 1e6;
	rate = secs > 0 ? (double)done / secs : 0;
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(width - fill));
	bar[width] = '\0';
	if (done == total)
		mint_eta_text(secs, eta, sizeof(eta));
	else if (rate > 0)
		mint_eta_text((double)(total - done) / rate, eta, sizeof(eta));
	else
		snprintf(eta, sizeof(eta), "-:--");
	/* \033[K clears what a longer line left. */
	fprintf(stderr, "\r%s [%s] %3d%% %llu/%llu %.0f codes/s %s %s\033[K",
	    phase, bar, total ? (int)(done * 100 / total) : 100,
	    (unsigned long long)done, (unsigned long long)total, rate,
	    done == total ? "took" : "ETA", eta);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Runs the mint command. */
int
cmd_mint(int argc, char **argv)
{
	enum { OPT_PNG = 256, OPT_SVG, OPT_MODULE_PX, OPT_ECC, OPT_SEAL,
	    OPT_KEYFILE, OPT_DRAW, OPT_CASE, OPT_PALLET, OPT_PREFIX };
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "product", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'n' },
		{ "out", required_argument, NULL, 'o' },
		{ "line", required_argument, NULL, 'l' },
		{ "png", no_argument, NULL, OPT_PNG },
		{ "svg", no_argument, NULL, OPT_SVG },
		{ "module-px", required_argument, NULL, OPT_MODULE_PX },
		{ "ecc", required_argument, NULL, OPT_ECC },
		{ "seal-to", required_argument, NULL, OPT_SEAL },
		{ "draw-codes", no_argument, NULL, OPT_DRAW },
		{ "case-size", required_argument, NULL, OPT_CASE },
		{ "pallet-size", required_argument, NULL, OPT_PALLET },
		{ "company-prefix", required_argument, NULL, OPT_PREFIX },
		{ "passphrase-file", required_argument, NULL, 'P' },
		{ "key-file", required_argument, NULL, OPT_KEYFILE },
		{ "secret-keys", required_argument, NULL, 'S' },
		{ "threads", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "mint", *product = NULL, *passfile = NULL;
	const char *keyfile = NULL, *sealfile = NULL, *why;
	struct mint_params p;
	struct mint_result r;
	struct mint_bar bar = { "", 0, 0 };
	struct keypair *kp = NULL;
	struct server_secrets *secrets = NULL;
	struct store *st = NULL;
	struct store_key key;
	uint8_t seal_pk[32];
	uint64_t keyid = 0, v;
	bool have_key = false, quiet = false;
	int ch, ret, rc = EXIT_REJECTED;

	memset(&p, 0, sizeof(p));
	p.module_px = RENDER_DEFAULT_MODULE_PX;
	p.ecc = QR_ECLEVEL_M;
	cli_getopt_reset();
	while ((ch = cli_getopt(cmd, mint_help, argc, argv,
	    ":k:p:n:o:l:P:S:j:qD:h", longopts, &rc)) != -1) {
		switch (ch) {
		case 'k':
			if (!cli_parse_u64(optarg, 0, 255, &keyid))
				return cli_usage(cmd, "--key must be a key id from "
				    "0 to 255, not '%s'", optarg);
			have_key = true;
			break;
		case 'p':
			product = optarg;
			break;
		case 'n':
			if (!cli_parse_u64(optarg, 1, MINT_MAX_CODES, &p.count))
				return cli_usage(cmd, "--count must be a whole "
				    "number from 1 to 100000000, not '%s'", optarg);
			break;
		case 'o':
			p.jobdir = optarg;
			break;
		case 'l':
			if (strlen(optarg) == 0 || strlen(optarg) > STORE_LINE_MAX)
				return cli_usage(cmd, "--line must be 1 to %d "
				    "characters", STORE_LINE_MAX);
			p.line = optarg;
			break;
		case OPT_PNG:
			p.png = true;
			break;
		case OPT_SVG:
			p.svg = true;
			break;
		case OPT_MODULE_PX:
			if (!cli_parse_u64(optarg, 1, RENDER_MAX_MODULE_PX, &v))
				return cli_usage(cmd, "--module-px must be from 1 "
				    "to %d, not '%s'", RENDER_MAX_MODULE_PX, optarg);
			p.module_px = (int)v;
			break;
		case OPT_ECC:
			if ((p.ecc = render_ecc_parse(optarg)) < 0)
				return cli_usage(cmd, "--ecc must be L, M, Q or H, "
				    "not '%s'", optarg);
			break;
		case OPT_SEAL:
			sealfile = optarg;
			break;
		case OPT_DRAW:
			p.draw_codes = true;
			break;
		case OPT_CASE:
		case OPT_PALLET:
			if (!cli_parse_u64(optarg, 1, MINT_AGG_SIZE_MAX, &v))
				return cli_usage(cmd, "--%s must be from 1 to "
				    "%d, not '%s'", ch == OPT_CASE ? "case-size" :
				    "pallet-size", MINT_AGG_SIZE_MAX, optarg);
			*(ch == OPT_CASE ? &p.case_size : &p.pallet_size) = v;
			break;
		case OPT_PREFIX:
			if (sscc_prefix_check(optarg) < 0)
				return cli_usage(cmd, "--company-prefix must be "
				    "a GS1 company prefix of 6 to 12 digits, not "
				    "'%s'", optarg);
			p.company_prefix = optarg;
			break;
		case 'P':
			passfile = optarg;
			break;
		case OPT_KEYFILE:
			keyfile = optarg;
			break;
		case 'S':
			cli_set_secret_keys(optarg);
			break;
		case 'j':
			if (!cli_parse_u64(optarg, 1, 256, &v))
				return cli_usage(cmd, "--threads must be from 1 to "
				    "256, not '%s'", optarg);
			p.threads = (unsigned)v;
			break;
		case 'q':
			quiet = true;
			break;
		case CLI_OPT_EXIT:
			return rc;
		}
	}
	if (optind < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (!have_key)
		return cli_usage(cmd, "--key is required");
	if (product == NULL)
		return cli_usage(cmd, "--product is required");
	if (p.count == 0)
		return cli_usage(cmd, "--count is required");
	if (p.jobdir == NULL)
		return cli_usage(cmd, "--out is required");
	if (p.pallet_size > 0 && p.case_size == 0)
		return cli_usage(cmd, "--pallet-size needs --case-size");
	if ((p.case_size > 0) != (p.company_prefix != NULL))
		return cli_usage(cmd, "--case-size and --company-prefix go "
		    "together");
	ret = gtin_normalize(product, strlen(product), p.gtin);
	if (ret == -EBADMSG) {
		char padded[GTIN_LEN + 1];

		memset(padded, '0', GTIN_LEN - strlen(product));
		memcpy(padded + GTIN_LEN - strlen(product), product,
		    strlen(product) + 1);
		return cli_usage(cmd, "bad GTIN '%s': its check digit should "
		    "be %c", product, gtin_check_digit(padded, GTIN_LEN - 1));
	}
	if (ret < 0)
		return cli_usage(cmd, "bad GTIN '%s': must be 8, 12, 13 or 14 "
		    "digits", product);
	if (sealfile != NULL && (ret = job_read_public(sealfile, seal_pk,
	    &why)) < 0)
		return cli_reject(cmd, "%s: %s", sealfile, why);

	if ((rc = cli_store_open(cmd, 0, &st)) != 0)
		goto out;
	rc = EXIT_REJECTED;
	if (cli_signing_key(cmd, st, (uint8_t)keyid, keyfile, passfile, &key,
	    &kp) != 0)
		goto out;
	if (p.draw_codes) {
		char path[4096];

		if ((ret = cli_dir_private(cli_keys_dir())) < 0) {
			cli_reject(cmd, "cannot create %s: %s", cli_keys_dir(),
			    strerror(-ret));
			goto out;
		}
		snprintf(path, sizeof(path), "%s/%s", cli_keys_dir(),
		    KEYS_SERVER_FILE);
		if ((ret = keys_server_secrets(path, true, &secrets, &why)) < 0) {
			cli_reject(cmd, "%s: %s", path, why);
			goto out;
		}
		p.drawcode_key = secrets->drawcode;
	}
	p.st = st;
	p.kp = kp;
	p.base_url = key.base_url;
	p.seal_pk = sealfile ? seal_pk : NULL;
	p.cancel = &mint_cancel;
	/* The bar is for people: only on a terminal. */
	if (!quiet && isatty(STDERR_FILENO)) {
		p.progress = mint_progress_cb;
		p.progress_arg = &bar;
		bar.last = clock_mono_us();
	}
	signal(SIGINT, mint_signal);
	signal(SIGTERM, mint_signal);
	ret = mint_run(&p, &r, &why);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (ret < 0) {
		if (p.progress)
			fputc('\n', stderr);
		cli_reject(cmd, "%s%s%s; nothing was minted", why ? why :
		    "failed", ret != -EINTR && ret != -EINVAL ? ": " : "",
		    ret != -EINTR && ret != -EINVAL ? strerror(-ret) : "");
		goto out;
	}
	if (!quiet) {
		printf("minted batch %u: %llu codes of %s with key %u (%s), "
		    "QR version %d-%s, in %.2f s (%.0f codes/s)\n", r.batch_id,
		    (unsigned long long)p.count, p.gtin, kp->id,
		    code_scheme_name(kp->scheme), r.qr_version,
		    render_ecc_name((QRecLevel)p.ecc), r.seconds,
		    r.seconds > 0 ? (double)p.count / r.seconds : 0.0);
		if (p.seal_pk)
			printf("print job: %s/%s (sealed to %s)\n", p.jobdir,
			    JOB_SEALED_NAME, sealfile);
		else
			printf("print job: %s (codes.csv%s%s%s, manifest.json%s%s)"
			    "\n", p.jobdir, p.draw_codes ? ", draw-codes.csv" :
			    "", p.case_size ? ", cases.csv, packing.csv" : "",
			    r.pallets ? ", pallets.csv" : "",
			    p.png ? ", png/" : "", p.svg ? ", svg/" : "");
		if (p.case_size)
			printf("case codes: %llu of up to %llu items, pallet "
			    "codes: %llu; first SSCC %s\n",
			    (unsigned long long)r.cases,
			    (unsigned long long)p.case_size,
			    (unsigned long long)r.pallets, r.first_sscc);
		printf("not active yet: scanloop batch activate %u\n",
		    r.batch_id);
	}
	rc = 0;
out:
	keys_server_secrets_free(secrets);
	keys_free(kp);
	store_close(st);
	return rc;
}
