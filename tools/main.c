/* main.c — the scanloop program: global options and the command table. */
#include "tools/cli.h"
#include "common/log.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const struct cli_cmd commands[] = {
	{ "key", "create and list signing keys", cmd_key },
	{ "mint", "mint a batch of signed codes and write its print job",
	    cmd_mint },
	{ "batch", "list, show, activate and void batches", cmd_batch },
	{ "verify", "check codes: signature, key and state", cmd_verify },
	{ "job", "print house keys; open a sealed print job", cmd_job },
	{ "serve", "the scan server: verify codes, record scans", cmd_serve },
	{ "scans", "print recorded scan events", cmd_scans },
	{ "campaign", "prize campaigns: load, show, pause, end, reveal, audit, "
	    "reconcile",
	    cmd_campaign },
	{ "store", "stores that redeem prizes: add, list, code, revoke",
	    cmd_shop },
	{ "dealer", "dealers who receive cases and pallets: add, list, show, "
	    "revoke", cmd_dealer },
	{ "pack", "cases and pallets: load a packing table, unlink, show",
	    cmd_pack },
	{ "claim", "redeem or show a prize claim", cmd_claim },
	{ "export", "scans, codes, batches, draws, claims, check-ins, "
	    "visitors (CSV, JSONL, EPCIS)", cmd_export },
	{ "report", "the brand's report over a period: HTML or JSON",
	    cmd_report },
	{ "admin", "tokens of the server's admin API (exports, reports, signals)",
	    cmd_admin },
	{ "prune", "delete old forged scans, abandoned groups, old addresses",
	    cmd_prune },
	{ "signals", "leaked jobs, clones, diversion, forgery bursts, "
	    "redemption anomalies", cmd_signals },
	{ "config", "settings: the signals' rules, the points tiers",
	    cmd_config },
	{ "settle", "close a month of redemptions: signed statements per "
	    "store, dealer, brand", cmd_settle },
	{ "pg", "the PostgreSQL tables of prize stock shared by nodes",
	    cmd_pg },
};

static const char usage_text[] =
"NAME\n"
"     scanloop — signed one-item-one-code QR codes: mint, print, verify\n"
"\n"
"SYNOPSIS\n"
"     scanloop [--db DIR] [-v] COMMAND [ARGS...]\n"
"     scanloop COMMAND --help\n"
"\n"
"COMMANDS\n"
"%s"
"\n"
"OPTIONS\n"
"     -D, --db DIR    the store (default: $SCANLOOP_DB, else ./var/scanloop)\n"
"     -v, --verbose   more messages on stderr\n"
"     -h, --help      this text\n"
"         --version   print the version\n"
"\n"
"EXIT STATUS\n"
"     0 on success, 1 when a request is rejected, 2 on a usage error.\n"
"\n"
"SEE ALSO\n"
"     scanloop(1), docs/code-format.md, docs/store.md\n";

/* Prints the top-level help. */
static void
main_usage(FILE *f)
{
	char list[8192];
	size_t o = 0;

	/* snprintf says how much it wanted: stop, cut, once the list is full. */
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]) &&
	    o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o,
		    "     %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, usage_text, list);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, verbose = 0;

	log_init("scanloop", 0);
	if (sodium_init() < 0) {
		fprintf(stderr, "scanloop: libsodium failed to initialise\n");
		return EXIT_REJECTED;
	}
	opterr = 0;
	/* '+': stop at the first non-option, the command name. */
	while ((ch = getopt_long(argc, argv, "+:D:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'D':
			cli_set_db(optarg);
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			main_usage(stdout);
			return 0;
		case 'V':
			printf("scanloop %s\n", SCANLOOP_VERSION);
			return 0;
		default:
			return cli_getopt_error("", ch, argv);
		}
	}
	log_init("scanloop", verbose);
	if (optind >= argc) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			return commands[i].exec(argc - optind, argv + optind);
	fprintf(stderr, "scanloop: unknown command '%s' (see 'scanloop --help')\n",
	    argv[optind]);
	return EXIT_USAGE;
}
