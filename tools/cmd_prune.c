/* cmd_prune.c — scanloop prune: retention of forged events, addresses and
 * abandoned groups. */
#include "tools/cli.h"
#include "common/clock.h"
#include "scanner/scan.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char prune_help[] =
"NAME\n"
"     scanloop prune — delete old forged scans and abandoned groups, drop old\n"
"     client addresses\n"
"\n"
"SYNOPSIS\n"
"     scanloop prune [--forged-older DAYS] [--ip-older DAYS]\n"
"                    [--groups-older DAYS] [--db DIR]\n"
"\n"
"DESCRIPTION\n"
"     Deletes the forged and malformed scan events older than --forged-older\n"
"     days, and their per-network hourly counts; zeroes the client address\n"
"     of every event older than --ip-older days (the hourly counts of older\n"
"     hours lose their network); deletes the groups (group unlocks) that\n"
"     never unlocked and whose deadline is more than --groups-older days\n"
"     past, with their members. Without any of the three options all run\n"
"     with 'scanloop serve' defaults (90, 100 and 30 days); with some, only\n"
"     those. 0 days prunes everything up to now.\n"
"\n"
"     A deleted event that sat in a code's chain of scans is skipped by its\n"
"     successor's link, and the code's summary no longer counts it. Work\n"
"     goes in short transactions (at most 10,000 events looked at each) and\n"
"     goes on where it stopped, so an interrupted prune is simply run again.\n"
"     A running server prunes by itself (serve --retain-forged,\n"
"     --retain-ip, --retain-groups): prune refuses a store a server is\n"
"     using.\n"
"\n"
"OPTIONS\n"
"         --forged-older DAYS  forged and malformed events older than DAYS\n"
"         --ip-older DAYS      client addresses of events older than DAYS\n"
"         --groups-older DAYS  groups never unlocked whose deadline is more\n"
"                              than DAYS past\n"
"     -D, --db DIR             the store (default ./var/scanloop)\n"
"     -h, --help               this text\n"
"\n"
"EXIT STATUS\n"
"     0 on success, 1 when rejected (a server runs, a store error), 2 on a\n"
"     usage error.\n";

/* Prints what a prune did. */
static void
prune_print(const struct store_prune_stats *s, uint64_t folded)
{
	if (folded > 0)
		printf("folded first: %llu scan events\n",
		    (unsigned long long)folded);
	printf("events examined: %llu\n"
	    "forged or malformed events deleted: %llu\n"
	    "chain links moved past them: %llu\n"
	    "code summaries changed: %llu\n"
	    "addresses dropped: %llu\n"
	    "network-hour counts deleted: %llu\n"
	    "network-hour counts merged (network dropped): %llu\n"
	    "abandoned groups deleted: %llu (members: %llu)\n",
	    (unsigned long long)s->examined, (unsigned long long)s->deleted,
	    (unsigned long long)s->relinked, (unsigned long long)s->summaries,
	    (unsigned long long)s->addresses,
	    (unsigned long long)s->counts_deleted,
	    (unsigned long long)s->counts_merged,
	    (unsigned long long)s->groups,
	    (unsigned long long)s->group_members);
}

/* Runs the prune command. */
int
cmd_prune(int argc, char **argv)
{
	enum { OPT_FORGED = 256, OPT_IP, OPT_GROUPS };
	static const struct option longopts[] = {
		{ "forged-older", required_argument, NULL, OPT_FORGED },
		{ "ip-older", required_argument, NULL, OPT_IP },
		{ "groups-older", required_argument, NULL, OPT_GROUPS },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "prune", *operand;
	int64_t forged_days = -1, ip_days = -1, groups_days = -1, now;
	struct store_prune_policy p = { 0 };
	struct store_prune_stats s;
	struct store *st = NULL;
	uint64_t v, folded = 0;
	int ch, ret, rc, lock;

	cli_getopt_reset();
	while ((ch = cli_getopt(cmd, prune_help, argc, argv, ":D:h", longopts,
	    &rc)) != -1) {
		switch (ch) {
		case OPT_FORGED:
		case OPT_IP:
		case OPT_GROUPS:
			if (!cli_parse_u64(optarg, 0, SCAN_RETAIN_DAYS_MAX, &v))
				return cli_usage(cmd, "--%s must be 0 to %d days, "
				    "not '%s'", ch == OPT_IP ? "ip-older" :
				    ch == OPT_GROUPS ? "groups-older" :
				    "forged-older", SCAN_RETAIN_DAYS_MAX, optarg);
			if (ch == OPT_IP)
				ip_days = (int64_t)v;
			else if (ch == OPT_GROUPS)
				groups_days = (int64_t)v;
			else
				forged_days = (int64_t)v;
			break;
		case CLI_OPT_EXIT:
			return rc;
		}
	}
	if ((rc = cli_operand(cmd, NULL, argc, argv, &operand)) != 0)
		return rc;
	if (forged_days < 0 && ip_days < 0 && groups_days < 0) {
		forged_days = SCAN_RETAIN_FORGED_DAYS;
		ip_days = SCAN_RETAIN_IP_DAYS;
		groups_days = SCAN_RETAIN_GROUPS_DAYS;
	}
	now = clock_now_us();
	if (forged_days >= 0)
		p.forged_before = now - forged_days * SCAN_DAY_US;
	if (ip_days >= 0)
		p.ip_before = now - ip_days * SCAN_DAY_US;
	if (groups_days >= 0)
		p.groups_before = now - groups_days * SCAN_DAY_US;
	if ((rc = cli_store_open(cmd, 0, &st)) != 0)
		return rc;
	rc = EXIT_REJECTED;
	if ((lock = scan_lock_store(st)) < 0) {
		if (lock == -EBUSY)
			cli_reject(cmd, "a scanloop serve is using this store; it "
			    "prunes by itself (serve --retain-forged, "
			    "--retain-ip, --retain-groups), or stop it first");
		else
			cli_reject(cmd, "cannot lock the store: %s",
			    strerror(-lock));
		goto out;
	}
	memset(&s, 0, sizeof(s));
	/* Chains are relinked from the stored summaries: fold them first. */
	if ((ret = store_scans_fold(st, &folded)) == 0)
		while ((ret = store_prune_step(st, &p, &s)) == 1)
			;
	if (ret < 0)
		cli_reject(cmd, "%s (what was done is kept; run it again)",
		    store_strerror(ret));
	else
		rc = 0;
	prune_print(&s, folded);
	close(lock);
out:
	store_close(st);
	return rc;
}
