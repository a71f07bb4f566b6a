/* cmd_export.c — scanloop export: scans, codes, batches, draws, claims,
 * check-ins and visitors as CSV or JSON Lines, scans and batches as GS1 EPCIS 2.0 (analytics/),
 * to stdout or atomically to a file. */
#include "tools/cli.h"
#include "analytics/analytics.h"
#include "common/fsutil.h"
#include "common/xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char export_help[] =
"NAME\n"
"     scanloop export — scans, codes, batches, draws, claims, check-ins,\n"
"     visitors for analysts\n"
"\n"
"SYNOPSIS\n"
"     scanloop export scans|codes|batches|draws|claims|checkins|visitors\n"
"                     [--format F] [--since ID] [--from TIME] [--to TIME]\n"
"                     [--batch ID] [--campaign ID] [--verdict V[,V...]]\n"
"                     [--human] [--scanned] [--tag T] [--tz ZONE]\n"
"                     [--geo-precision N] [--biz-step S] [--out FILE]\n"
"                     [--db DIR]\n"
"\n"
"DESCRIPTION\n"
"     scans    one record per scan event: event_id, time, verdict, reason,\n"
"              serial, gtin, batch_id, line, who (human, bot, head, api),\n"
"              drawcode (0/1), ip (as stored: anonymised by default),\n"
"              visitor (hex), lat, lon, accuracy, location_time, lang, ua\n"
"              (the User-Agent whole), raw (the text of forged and\n"
"              malformed codes), prev_event_id (the code's previous event).\n"
"     codes    one record per minted code with its scan summary (state,\n"
"              scans, the first human scan); all codes unless --scanned.\n"
"     batches  one record per batch: its state, codes, voids, scans by\n"
"              humans and forged, scan rate.\n"
"     draws    the campaigns' draw logs (docs/draws.md); JSONL as\n"
"              'scanloop campaign audit --log' reads them.\n"
"     claims   every claim, its state and where it was redeemed.\n"
"     checkins every store check-in (docs/checkin.md).\n"
"     visitors one record per visitor id with its counts and member tags\n"
"              (first_scan, repeat_buyer, winner, redeemer, checkin:STORE,\n"
"              points:bronze|silver|gold), for a CRM.\n"
"\n"
"     docs/export.md gives every field's type. Names and order are stable:\n"
"     later versions add fields at the end only. CSV follows RFC 4180 (a\n"
"     header row, CRLF, quotes where needed); JSON Lines is one object per\n"
"     line, numbers as numbers, absent values null. Times are ISO 8601 UTC\n"
"     with microseconds.\n"
"\n"
"     Each export reads one snapshot of the store, in constant memory,\n"
"     and never blocks the scan server. The output goes to stdout, or\n"
"     with --out to FILE, which appears complete or not at all.\n"
"\n"
"     Incremental loads: --since ID exports the scans with an id greater\n"
"     than ID, then prints on stderr 'next: --since N', N the last id\n"
"     written (ID if none was). Consecutive windows concatenate to the\n"
"     full export, byte for byte (CSV without the repeated header).\n"
"\n"
"OPTIONS\n"
"     -f, --format F       csv (default), jsonl, epcis (GS1 EPCIS 2.0:\n"
"                          scans, batches' life)\n"
"     -s, --since ID       scans: only event ids greater than ID\n"
"         --from TIME      (not codes, batches) at or after TIME\n"
"         --to TIME        ... and before TIME. TIME: ISO 8601 with Z or\n"
"                          an offset, a date (midnight UTC) or Unix seconds\n"
"     -b, --batch ID       scans, codes, batches: of this batch\n"
"     -c, --campaign ID    draws, claims, checkins: of this campaign;\n"
"                          others: of its batches and products\n"
"         --verdict V      scans: genuine, not_active, void, forged,\n"
"                          malformed, or several with commas\n"
"         --human          scans: by people (page or app), not bots, HEAD\n"
"         --scanned        codes: scanned at least once\n"
"         --tag T          visitors: only those carrying member tag T\n"
"         --tz ZONE        epcis: times in ZONE (--campaign's, else UTC)\n"
"         --geo-precision N  epcis: location decimals (3)\n"
"         --biz-step S     epcis: consumer (default) or inspecting\n"
"     -o, --out FILE       write FILE instead of stdout\n"
"     -D, --db DIR         the store (default ./var/scanloop)\n"
"     -h, --help           this text\n"
"\n"
"EXIT STATUS\n"
"     0 on success; 1 when rejected (no such campaign or batch, --since\n"
"     beyond the newest event, cannot write); 2 on a usage error (a bad\n"
"     kind, format or value, --from after --to). On an error nothing is\n"
"     written.\n";

/* --out starts the disk's writeback of every this many bytes as soon as
 * they are written, so that the final fsync waits only for the tail. */
#define EXPORT_WRITEBACK (8u << 20)

struct export_out {
	int fd;
	char *tmp;			/* the temporary file of --out */
	uint64_t written;		/* bytes written to it */
	uint64_t queued;		/* of which handed to writeback */
};

/* Sink: writes a block to the output. */
static int
export_sink(void *arg, const void *data, size_t len)
{
	struct export_out *eo = arg;
	int ret;

	if ((ret = fsutil_write_all(eo->fd, data, len)) < 0 || eo->tmp == NULL)
		return ret;
	eo->written += len;
	if (eo->written - eo->queued >= EXPORT_WRITEBACK) {
		/* Only a hint (the fsync at the end is what makes the file
		 * durable): its failure changes nothing. */
		(void)sync_file_range(eo->fd, (off_t)eo->queued,
		    (off_t)(eo->written - eo->queued), SYNC_FILE_RANGE_WRITE);
		eo->queued = eo->written;
	}
	return 0;
}

/* Opens the output: stdout, or a temporary file beside path. */
static int
export_open(const char *path, struct export_out *eo)
{
	eo->fd = STDOUT_FILENO;
	eo->tmp = NULL;
	eo->written = eo->queued = 0;
	if (path == NULL)
		return 0;
	xasprintf(&eo->tmp, "%s.tmp.XXXXXX", path);
	if ((eo->fd = mkstemp(eo->tmp)) < 0) {
		int err = -errno;

		free(eo->tmp);
		eo->tmp = NULL;
		return err;
	}
	if (fchmod(eo->fd, 0644) < 0) {
		int err = -errno;

		close(eo->fd);
		unlink(eo->tmp);
		free(eo->tmp);
		eo->tmp = NULL;
		return err;
	}
	return 0;
}

/* Finishes the output: for a file, fsync and rename when ok, else
 * remove it. */
static int
export_close(const char *path, struct export_out *eo, bool ok)
{
	int ret = 0;

	if (eo->tmp == NULL)
		return 0;
	if (ok && fsync(eo->fd) < 0)
		ret = -errno;
	if (close(eo->fd) < 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && ok && rename(eo->tmp, path) < 0)
		ret = -errno;
	if (ret == 0 && ok)
		ret = fsutil_fsync_parent(path);
	if (ret < 0 || !ok)
		unlink(eo->tmp);
	free(eo->tmp);
	eo->tmp = NULL;
	return ret;
}

/* Runs the export, from the open store to the closed output. */
static int
export_run(const char *cmd, struct store *st, const struct analytics_query *q,
    const char *out)
{
	struct analytics_export *x = NULL;
	struct export_out eo;
	const char *why = NULL;
	int ret;

	if ((ret = export_open(out, &eo)) < 0)
		return cli_reject(cmd, "cannot create a file beside %s: %s", out,
		    strerror(-ret));
	if ((ret = analytics_export_open(st, q, export_sink, &eo, &x,
	    &why)) == 0)
		ret = analytics_export_step(x, SIZE_MAX);
	if (ret < 0) {
		export_close(out, &eo, false);
		analytics_export_close(x);
		if (why != NULL)
			return cli_reject(cmd, "%s", why);
		return cli_reject(cmd, "%s", ret == -EPIPE || ret == -ENOSPC ||
		    ret == -EIO || ret == -EDQUOT || ret == -EFBIG ?
		    strerror(-ret) : store_strerror(ret));
	}
	if ((ret = export_close(out, &eo, true)) < 0) {
		analytics_export_close(x);
		return cli_reject(cmd, "cannot write %s: %s", out, strerror(-ret));
	}
	if (q->kind == ANALYTICS_SCANS)
		fprintf(stderr, "next: --since %" PRIu64 "\n",
		    analytics_export_next_since(x));
	analytics_export_close(x);
	return 0;
}

/* Runs the export command. */
int
cmd_export(int argc, char **argv)
{
	enum { OPT_FROM = 256, OPT_TO, OPT_VERDICT, OPT_HUMAN, OPT_SCANNED,
	    OPT_TZ, OPT_GEO, OPT_STEP, OPT_TAG };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "since", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "batch", required_argument, NULL, 'b' },
		{ "campaign", required_argument, NULL, 'c' },
		{ "verdict", required_argument, NULL, OPT_VERDICT },
		{ "human", no_argument, NULL, OPT_HUMAN },
		{ "scanned", no_argument, NULL, OPT_SCANNED },
		{ "tag", required_argument, NULL, OPT_TAG },
		{ "tz", required_argument, NULL, OPT_TZ },
		{ "geo-precision", required_argument, NULL, OPT_GEO },
		{ "biz-step", required_argument, NULL, OPT_STEP },
		{ "out", required_argument, NULL, 'o' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const subs[] = { "scans", "codes", "batches",
	    "draws", "claims", "checkins", "visitors", NULL };
	struct analytics_query q;
	struct store *st = NULL;
	const char *sub, *out = NULL, *why, *name;
	char cmd[CLI_CMD_MAX];
	int ch, rc;

	if ((sub = cli_subcommand("export", export_help, "kind", subs,
	    &argc, &argv, cmd, &rc)) == NULL)
		return rc;
	analytics_query_init(&q, (enum analytics_kind)analytics_kind_parse(sub));
	while ((ch = cli_getopt(cmd, export_help, argc, argv,
	    ":f:s:b:c:o:D:h", longopts, &rc)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			continue;
		case CLI_OPT_EXIT:
			return rc;
		case 'f': name = "format"; break;
		case 's': name = "since"; break;
		case 'b': name = "batch"; break;
		case 'c': name = "campaign"; break;
		case OPT_FROM: name = "from"; break;
		case OPT_TO: name = "to"; break;
		case OPT_VERDICT: name = "verdict"; break;
		case OPT_HUMAN: name = "human"; break;
		case OPT_SCANNED: name = "scanned"; break;
		case OPT_TAG: name = "tag"; break;
		case OPT_TZ: name = "tz"; break;
		case OPT_GEO: name = "geo-precision"; break;
		case OPT_STEP: name = "biz-step"; break;
		default:
			return cli_usage(cmd, "unexpected option");
		}
		if (analytics_query_set(&q, name, ch == OPT_HUMAN ||
		    ch == OPT_SCANNED ? NULL : optarg, &why) < 0)
			return cli_usage(cmd, "--%s '%s': %s", name,
			    optarg != NULL && ch != OPT_HUMAN &&
			    ch != OPT_SCANNED ? optarg : "", why);
	}
	if (optind < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (analytics_query_check(&q, &why) < 0)
		return cli_usage(cmd, "%s", why);
	if ((rc = cli_store_open(cmd, STORE_RDONLY, &st)) != 0)
		return rc;
	rc = export_run(cmd, st, &q, out);
	store_close(st);
	return rc;
}
