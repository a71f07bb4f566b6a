/* cmd_report.c — scanloop report: the brand's report over a period, as
 * one HTML page or as JSON (analytics/report.h). */
#include "tools/cli.h"
#include "analytics/report.h"
#include "common/clock.h"
#include "common/fsutil.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char report_help[] =
"NAME\n"
"     scanloop report — how scans, batches and a campaign went over a\n"
"     period, beside the previous period of the same length\n"
"\n"
"SYNOPSIS\n"
"     scanloop report [--campaign ID] [--batch ID] [--from TIME --to TIME]\n"
"                     [--tz ZONE] [--lang zh|en]\n"
"                     (--html FILE | --json [FILE]) [--db DIR]\n"
"\n"
"DESCRIPTION\n"
"     Scans per day and per hour of day (human, bot, HEAD, forged); the\n"
"     verdicts; first scans and repeats; distinct codes scanned; per\n"
"     batch, codes scanned over active codes (never-scanned codes count);\n"
"     located scans on a map and by country; the most repeated codes;\n"
"     forged and malformed scans by address prefix; with --campaign, its\n"
"     draws, wins per prize against stock and daily cap, claims,\n"
"     redemptions per store and points; store check-ins per store and\n"
"     per local day (docs/checkin.md). Every figure stands beside the\n"
"     previous period of the same length. docs/report.md names every\n"
"     JSON field.\n"
"\n"
"     --html writes one self-contained page (no script, no external\n"
"     asset; readable on a phone, printable on A4). --json writes JSON to\n"
"     FILE, or to stdout without one. A file appears complete or not at\n"
"     all. The report reads one consistent snapshot of the store and\n"
"     never blocks a running scan server.\n"
"\n"
"OPTIONS\n"
"     -c, --campaign ID  the campaign's figures, and only the scans of the\n"
"                        batches and products it covers\n"
"     -b, --batch ID     only this batch's scans\n"
"         --from TIME    the period's start (default: 30 local days before\n"
"                        the end; with --campaign, its start)\n"
"         --to TIME      its end, exclusive (default: the end of today;\n"
"                        with --campaign, its end if earlier). TIME: ISO\n"
"                        8601 with Z or an offset, a date (midnight UTC)\n"
"                        or Unix seconds\n"
"         --tz ZONE      local days and hours in this IANA zone (default:\n"
"                        the campaign's, else UTC)\n"
"         --lang zh|en   the page's language (default zh)\n"
"         --html FILE    write the HTML page to FILE ('-': stdout)\n"
"         --json [FILE]  write JSON to FILE (default, or '-': stdout)\n"
"     -D, --db DIR       the store (default ./var/scanloop)\n"
"     -h, --help         this text\n"
"\n"
"EXIT STATUS\n"
"     0 on success; 1 when rejected (no such campaign or batch, cannot\n"
"     write); 2 on a usage error (a bad value, --from not before --to, a\n"
"     period over 1100 days, neither or both of --html and --json).\n";

/* Writes the report to path ('-' or NULL: stdout). */
static int
report_write(const char *cmd, const char *path, const struct buf *b)
{
	int ret;

	if (path == NULL || strcmp(path, "-") == 0) {
		if ((ret = fsutil_write_all(STDOUT_FILENO, b->data,
		    b->len)) < 0)
			return cli_reject(cmd, "cannot write: %s",
			    strerror(-ret));
		return 0;
	}
	if ((ret = fsutil_write_atomic(path, b->data, b->len, 0644, 0)) < 0)
		return cli_reject(cmd, "cannot write %s: %s", path,
		    strerror(-ret));
	return 0;
}

/* Runs the report command. */
int
cmd_report(int argc, char **argv)
{
	enum { OPT_FROM = 256, OPT_TO, OPT_TZ, OPT_LANG, OPT_HTML, OPT_JSON };
	static const struct option longopts[] = {
		{ "campaign", required_argument, NULL, 'c' },
		{ "batch", required_argument, NULL, 'b' },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "tz", required_argument, NULL, OPT_TZ },
		{ "lang", required_argument, NULL, OPT_LANG },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "json", optional_argument, NULL, OPT_JSON },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "report", *html = NULL, *json = NULL, *why, *name;
	struct report_query q;
	struct report *r = NULL;
	struct store *st = NULL;
	struct buf b = { 0 };
	bool want_json = false;
	int ch, rc, ret;

	report_query_init(&q);
	cli_getopt_reset();
	while ((ch = cli_getopt(cmd, report_help, argc, argv, ":c:b:D:h",
	    longopts, &rc)) != -1) {
		switch (ch) {
		case CLI_OPT_EXIT:
			return rc;
		case OPT_HTML:
			html = optarg;
			continue;
		case OPT_JSON:
			want_json = true;
			json = optarg;
			continue;
		case 'c': name = "campaign"; break;
		case 'b': name = "batch"; break;
		case OPT_FROM: name = "from"; break;
		case OPT_TO: name = "to"; break;
		case OPT_TZ: name = "tz"; break;
		case OPT_LANG: name = "lang"; break;
		default:
			return cli_usage(cmd, "unexpected option");
		}
		if (report_query_set(&q, name, optarg, &why) < 0)
			return cli_usage(cmd, "--%s '%s': %s", name, optarg, why);
	}
	/* --json FILE: the file follows as an operand. */
	if (want_json && json == NULL && optind < argc)
		json = argv[optind++];
	if (optind < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if ((html != NULL) == want_json)
		return cli_usage(cmd, "give one of --html FILE and --json [FILE]");
	if (q.has_from && q.has_to && q.from >= q.to)
		return cli_usage(cmd, "--from must be before --to");
	if ((rc = cli_store_open(cmd, STORE_RDONLY, &st)) != 0)
		return rc;
	ret = report_open(st, &q, clock_now_us(), &r, &why);
	if (ret == -EINVAL) {
		rc = cli_usage(cmd, "%s", why);
		goto out;
	}
	if (ret == 0)
		ret = report_step(r, SIZE_MAX);
	if (ret == 0)
		ret = want_json ? report_json(r, &b) : report_html(r,
		    q.has_lang ? q.lang : REPORT_LANG_ZH, &b);
	if (ret < 0) {
		rc = cli_reject(cmd, "%s", why != NULL ? why :
		    store_strerror(ret));
		goto out;
	}
	rc = report_write(cmd, want_json ? json : html, &b);
out:
	report_close(r);
	store_close(st);
	buf_free(&b);
	return rc;
}
