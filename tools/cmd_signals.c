/* cmd_signals.c — scanloop signals (what the rules of analytics/signals.c
 * raised, and redemption anomalies) and scanloop config (their settings). */
#include "tools/cli.h"
#include "analytics/signals.h"
#include "rewards/tags.h"
#include "common/fsutil.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char signals_help[] =
"NAME\n"
"     scanloop signals — leaked print jobs, cloned codes, diversion,\n"
"     forgery bursts and redemption anomalies\n"
"\n"
"SYNOPSIS\n"
"     scanloop signals [--kind K]... [--since ID] [--from TIME] [--to TIME]\n"
"                      [--format text|csv|jsonl] [--db DIR]\n"
"\n"
"DESCRIPTION\n"
"     The scan server raises a signal in the same commit as the scan that\n"
"     meets a rule (docs/signals.md):\n"
"     leaked_job          a scan of a code minted but not yet activated\n"
"     clone               human scans of one code by different visitors\n"
"                         more than clone.km apart within clone.hours\n"
"     diversion           a located scan outside its batch's sales region\n"
"                         ('scanloop batch region')\n"
"     forgery_burst       more than burst.per_hour forged or malformed\n"
"                         scans from one /24 (IPv4) or /48 (IPv6) in a\n"
"                         UTC hour\n"
"     redemption_anomaly  a store redeeming far more than its share of\n"
"                         the scans predicts: computed when asked with\n"
"                         --kind redemption_anomaly, over --from and --to\n"
"                         (default: the last redemption.days days)\n"
"\n"
"     Without --kind every raised signal is listed, oldest first. Fields:\n"
"     id, kind, time, serial, gtin, batch_id, line, event_ids, lat, lon,\n"
"     ip_prefix, store, detail. The command ends by printing on stderr\n"
"     'next: --since N': the next listing with --since N gives exactly\n"
"     the signals raised since. Settings: 'scanloop config list'.\n"
"\n"
"OPTIONS\n"
"     -k, --kind K         only this kind (repeat for several)\n"
"     -s, --since ID       only signals with an id greater than ID\n"
"         --from TIME      at or after TIME (ISO 8601, a date, Unix\n"
"         --to TIME        seconds) ... and before TIME\n"
"     -f, --format F       text (default), csv or jsonl\n"
"     -D, --db DIR         the store (default ./var/scanloop)\n"
"     -h, --help           this text\n"
"\n"
"EXIT STATUS\n"
"     0 on success; 1 when rejected (--since beyond the newest signal);\n"
"     2 on a usage error.\n";

static const char config_help[] =
"NAME\n"
"     scanloop config — settings of the installation (the signals' rules,\n"
"     the member tags' points tiers)\n"
"\n"
"SYNOPSIS\n"
"     scanloop config list [--db DIR]\n"
"     scanloop config get NAME [--db DIR]\n"
"     scanloop config set NAME VALUE [--db DIR]\n"
"     scanloop config unset NAME [--db DIR]\n"
"\n"
"DESCRIPTION\n"
"     Settings live in the store; a running server reads them at the next\n"
"     scan that needs them. 'list' shows every setting, its value and\n"
"     whether it is the default; 'unset' restores the default. The\n"
"     points tiers' thresholds must rise from tags.bronze to tags.gold: a\n"
"     value that would break that order is rejected.\n"
"\n"
"SETTINGS\n"
"%s"
"\n"
"EXIT STATUS\n"
"     0 on success; 1 when rejected (a tier's threshold out of order);\n"
"     2 on a usage error (an unknown setting, a value out of range).\n";

/* Sink: writes a block to stdout. */
static int
signals_stdout(void *arg, const void *data, size_t len)
{
	(void)arg;
	return fsutil_write_all(STDOUT_FILENO, data, len);
}

/* Runs the signals command. */
int
cmd_signals(int argc, char **argv)
{
	enum { OPT_FROM = 256, OPT_TO };
	static const struct option longopts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "since", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "format", required_argument, NULL, 'f' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "signals", *name, *why;
	struct signals_query q;
	struct store *st;
	uint64_t next;
	int ch, rc, ret;

	memset(&q, 0, sizeof(q));
	cli_getopt_reset();
	while ((ch = cli_getopt(cmd, signals_help, argc, argv, ":k:s:f:D:h",
	    longopts, &rc)) != -1) {
		switch (ch) {
		case CLI_OPT_EXIT:
			return rc;
		case 'k': name = "kind"; break;
		case 's': name = "since"; break;
		case 'f': name = "format"; break;
		case OPT_FROM: name = "from"; break;
		case OPT_TO: name = "to"; break;
		default:
			return cli_usage(cmd, "unexpected option");
		}
		if (signals_query_set(&q, name, optarg, &why) < 0)
			return cli_usage(cmd, "--%s '%s': %s", name, optarg, why);
	}
	if ((rc = cli_operand(cmd, NULL, argc, argv, &name)) != 0)
		return rc;
	if (q.has_from && q.has_to && q.from > q.to)
		return cli_usage(cmd, "--from is after --to");
	if (q.has_since && q.kinds == 1u << SIGNALS_REDEMPTION_ANOMALY)
		return cli_usage(cmd, "--since lists raised signals; redemption "
		    "anomalies are computed over --from and --to");
	if ((rc = cli_store_open(cmd, STORE_RDONLY, &st)) != 0)
		return rc;
	ret = signals_list(st, &q, signals_stdout, NULL, &next, &why);
	store_close(st);
	if (ret < 0)
		return cli_reject(cmd, "%s", why != NULL ? why : ret == -EPIPE ?
		    strerror(-ret) : store_strerror(ret));
	if (q.kinds != 1u << SIGNALS_REDEMPTION_ANOMALY)
		fprintf(stderr, "next: --since %" PRIu64 "\n", next);
	return 0;
}

/* Prints one setting: name, value, and whether it is the default. */
static int
config_print(struct store_txn *t, const struct signals_setting *s, bool all)
{
	double v;
	bool set;
	int ret;

	if ((ret = signals_setting_get_txn(t, s, &v, &set)) < 0)
		return ret;
	if (all)
		printf("%-18s %-10.12g %s\n", s->name, v, set ? "" :
		    "(default)");
	else
		printf("%.12g\n", v);
	return 0;
}

/* Checks a points tier's new threshold against the other two (0 for any
 * other setting): -EINVAL with *why when out of order. */
static int
config_tier_check(struct store_txn *t, const struct signals_setting *s,
    double v, const char **why)
{
	*why = NULL;
	for (int i = 0; i < 3; i++)
		if (strcmp(s->name, tags_tier_settings[i]) == 0)
			return tags_tiers_check_txn(t, TAGS_TIER_BRONZE + i,
			    (int64_t)v, why);
	return 0;
}

/* The help text with the settings' lines, into help. */
static void
config_help_make(char *help, size_t cap)
{
	char list[2048];
	size_t o = 0;

	for (size_t i = 0; i < signals_nsettings && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o,
		    "     %-18s default %.12g, %.12g to %.12g\n%s\n",
		    signals_settings[i].name, signals_settings[i].def,
		    signals_settings[i].min, signals_settings[i].max,
		    signals_settings[i].what);
	snprintf(help, cap, config_help, list);
}

/* Runs the config command. */
int
cmd_config(int argc, char **argv)
{
	static const char *const subs[] = { "list", "get", "set", "unset",
	    NULL };
	const struct signals_setting *s = NULL;
	const char *sub, *why;
	struct store *st;
	struct store_txn t;
	char cmd[CLI_CMD_MAX], help[4096];
	bool rdonly;
	size_t want;
	double v;
	int ret, rc;

	config_help_make(help, sizeof(help));
	if ((sub = cli_subcommand("config", help, "subcommand", subs, &argc,
	    &argv, cmd, &rc)) == NULL)
		return rc;
	/* A negative VALUE would read as an option: every setting is
	 * positive, so say so instead. */
	if (strcmp(sub, "set") == 0 && argc >= 3 && argv[2][0] == '-' &&
	    ((argv[2][1] >= '0' && argv[2][1] <= '9') || argv[2][1] == '.') &&
	    (s = signals_setting_find(argv[1])) != NULL)
		return cli_usage(cmd, "%s '%s': out of range (%.12g to %.12g)",
		    s->name, argv[2], s->min, s->max);
	while ((ret = cli_getopt(cmd, help, argc, argv, ":D:h",
	    (const struct option[]){ { "db", required_argument, NULL, 'D' },
	    { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } },
	    &rc)) != -1)
		if (ret == CLI_OPT_EXIT)
			return rc;
	want = strcmp(sub, "list") == 0 ? 0 : strcmp(sub, "set") == 0 ? 2 : 1;
	if ((size_t)(argc - optind) != want)
		return cli_usage(cmd, want == 0 ? "takes no argument" :
		    want == 1 ? "give a setting's NAME" : "give NAME and VALUE");
	if (want > 0 && (s = signals_setting_find(argv[optind])) == NULL)
		return cli_usage(cmd, "unknown setting '%s'", argv[optind]);
	if (want == 2 && signals_setting_check(s, argv[optind + 1], &v,
	    &why) < 0)
		return cli_usage(cmd, "%s '%s': %s (%.12g to %.12g)", s->name,
		    argv[optind + 1], why, s->min, s->max);
	rdonly = want < 2 && strcmp(sub, "unset") != 0;
	if ((rc = cli_store_begin(cmd, rdonly ? STORE_RDONLY : 0, &st,
	    &t)) != 0)
		return rc;
	if (strcmp(sub, "list") == 0) {
		ret = 0;
		for (size_t i = 0; i < signals_nsettings && ret == 0; i++)
			ret = config_print(&t, &signals_settings[i], true);
	} else if (strcmp(sub, "get") == 0)
		ret = config_print(&t, s, false);
	else if ((ret = config_tier_check(&t, s, want == 2 ? v : s->def,
	    &why)) == 0) {
		ret = store_config_put_txn(&t, s->name, want == 2 ?
		    argv[optind + 1] : NULL);
		if (ret == -ENOENT)
			ret = 0;	/* unset of a default: nothing to do */
	}
	if (rdonly)
		store_txn_abort(&t);
	else if (ret == 0)
		ret = store_txn_commit(&t);
	else
		store_txn_abort(&t);
	store_close(st);
	if (ret == -EINVAL && why != NULL)
		return cli_reject(cmd, "%s %.12g: %s", s->name, want == 2 ? v :
		    s->def, why);
	if (ret < 0)
		return cli_reject(cmd, "%s", store_strerror(ret));
	if (want == 2)
		printf("%s = %s\n", s->name, argv[optind + 1]);
	else if (strcmp(sub, "unset") == 0)
		printf("%s = %.12g (default)\n", s->name, s->def);
	return 0;
}
