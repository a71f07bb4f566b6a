/* cmd_scans.c — scanloop scans tail | show | forged: recorded scans for a
 * person. */
#include "tools/cli.h"
#include "codegen/base32.h"
#include "codegen/code.h"
#include "common/clock.h"
#include "scanner/verify.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char scans_help[] =
"NAME\n"
"     scanloop scans — print recorded scan events\n"
"\n"
"SYNOPSIS\n"
"     scanloop scans tail [-n N] [--db DIR]\n"
"     scanloop scans show --serial SERIAL-OR-URL [-n N] [--db DIR]\n"
"     scanloop scans forged [--hours N] [--db DIR]\n"
"\n"
"DESCRIPTION\n"
"     tail prints the newest N scans (default 20), oldest first. show\n"
"     prints one code's summary (human scans, all scans, first scan) and\n"
"     its scans, newest first. Each line: time (UTC), event id, verdict,\n"
"     serial, batch, who (human, bot, head, api), client address, visitor\n"
"     (the end of its id),\n"
"     location, User-Agent.\n"
"\n"
"     forged prints the forged and malformed scans counted per client\n"
"     network (IPv4 /24, IPv6 /48) and hour over the last N hours (default\n"
"     24), oldest first: hour (UTC), network, forged, malformed, and how\n"
"     many were stored as events (serve --forged-budget; the rest were\n"
"     counted only). A network of \"-\" holds the hours whose addresses\n"
"     were dropped (retention).\n"
"\n"
"OPTIONS\n"
"     -n, --count N        how many events (default 20, at most 100000)\n"
"     -s, --serial S       a serial (13 characters) or a code URL\n"
"         --hours N        forged: how many hours back (default 24)\n"
"     -D, --db DIR         the store (default ./var/scanloop)\n"
"     -h, --help           this text\n"
"\n"
"EXIT STATUS\n"
"     0 on success, 1 when rejected (no such code), 2 on a usage error.\n";

/* Prints one event on one line. */
static int
scans_print_cb(const struct store_event *ev, void *arg)
{
	char when[40], serial[CODE_SERIAL_CHARS + 1], ip[48], vid[27];
	static const uint8_t zero[16];
	const char *who;

	(void)arg;
	cli_time(ev->time, when);
	if (memcmp(ev->serial, zero, CODE_SERIAL_BYTES) != 0)
		code_serial_text(ev->serial, serial);
	else
		strcpy(serial, "-");
	if (ev->ip_family == 4)
		inet_ntop(AF_INET, ev->ip, ip, sizeof(ip));
	else if (ev->ip_family == 6)
		inet_ntop(AF_INET6, ev->ip, ip, sizeof(ip));
	else
		strcpy(ip, "-");
	if (memcmp(ev->visitor, zero, 16) != 0) {
		/* Its end: a visitor id starts with the time it was made. */
		base32_encode(vid, ev->visitor, 16);
		memmove(vid, vid + strlen(vid) - 8, 9);
	} else
		strcpy(vid, "-");
	who = (ev->flags & STORE_EVENT_F_HEAD) ? "head" :
	    !(ev->flags & STORE_EVENT_F_HUMAN) ? "bot" :
	    (ev->flags & STORE_EVENT_F_API) ? "api" : "human";
	printf("%s  #%-8llu %-10s %-13s batch %-5u %-5s %-15s %-8s ", when,
	    (unsigned long long)ev->id, verify_verdict_name(ev->verdict), serial,
	    ev->batch_id, who, ip, vid);
	if (ev->flags & STORE_EVENT_F_LOCATION)
		printf("%.5f,%.5f±%.0fm ", ev->lat, ev->lon, (double)ev->accuracy);
	else
		printf("- ");
	printf("\"%.60s\"", ev->ua);
	if (ev->raw[0] != '\0')
		printf(" raw=\"%.80s\"", ev->raw);
	printf("\n");
	return 0;
}

/* Collects events so tail prints oldest first. */
struct scans_list {
	struct store_event *ev;
	size_t n;
};

/* foreach callback collecting events. */
static int
scans_collect_cb(const struct store_event *ev, void *arg)
{
	struct scans_list *l = arg;

	l->ev[l->n++] = *ev;
	return 0;
}

/* Prints one network-hour's count of forged and malformed scans. */
static int
scans_forged_cb(uint32_t hour, const uint8_t net[STORE_NET_BYTES],
    const struct store_forged_count *c, void *arg)
{
	char when[40], ip[48], text[56];
	uint8_t a[16] = { 0 };

	(void)arg;
	cli_time((int64_t)hour * 3600 * 1000000, when);
	if (net[0] == 4 || net[0] == 6) {
		memcpy(a, net + 1, net[0] == 4 ? 3 : 6);
		inet_ntop(net[0] == 4 ? AF_INET : AF_INET6, a, ip, sizeof(ip));
		snprintf(text, sizeof(text), "%s/%d", ip, net[0] == 4 ? 24 : 48);
	} else
		strcpy(text, "-");
	printf("%s  %-24s forged %-9llu malformed %-9llu stored %llu\n", when,
	    text, (unsigned long long)c->forged,
	    (unsigned long long)c->malformed, (unsigned long long)c->kept);
	return 0;
}

/* Runs the scans command. */
int
cmd_scans(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "serial", required_argument, NULL, 's' },
		{ "hours", required_argument, NULL, 'H' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const subs[] = { "tail", "show", "forged", NULL };
	const char *sub, *serialtext = NULL;
	struct store *st = NULL;
	struct store_txn t;
	uint64_t count = 20, hours = 24;
	char cmd[CLI_CMD_MAX];
	int ch, ret, rc;

	if ((sub = cli_subcommand("scans", scans_help, "subcommand", subs,
	    &argc, &argv, cmd, &rc)) == NULL)
		return rc;
	while ((ch = cli_getopt(cmd, scans_help, argc, argv,
	    ":n:s:D:h", longopts, &rc)) != -1) {
		switch (ch) {
		case 'n':
			if (!cli_parse_u64(optarg, 1, 100000, &count))
				return cli_usage(cmd, "-n must be from 1 to 100000, "
				    "not '%s'", optarg);
			break;
		case 's':
			serialtext = optarg;
			break;
		case 'H':
			if (!cli_parse_u64(optarg, 1, 1000000, &hours))
				return cli_usage(cmd, "--hours must be from 1 to "
				    "1000000, not '%s'", optarg);
			break;
		case CLI_OPT_EXIT:
			return rc;
		}
	}
	if (optind < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (strcmp(sub, "show") == 0 && serialtext == NULL)
		return cli_usage(cmd, "--serial is required");
	if (strcmp(sub, "show") != 0 && serialtext != NULL)
		return cli_usage(cmd, "--serial belongs to 'scans show'");
	if ((rc = cli_store_begin(cmd, STORE_RDONLY, &st, &t)) != 0)
		return rc;
	rc = EXIT_REJECTED;
	if (strcmp(sub, "forged") == 0) {
		uint64_t now = (uint64_t)clock_now_us() / 3600000000u;

		ret = store_forged_count_foreach_txn(&t, now >= hours ?
		    (uint32_t)(now - hours + 1) : 0, scans_forged_cb, NULL);
		if (ret < 0)
			cli_reject(cmd, "%s", store_strerror(ret));
		else
			rc = 0;
	} else if (strcmp(sub, "tail") == 0) {
		struct scans_list l = { NULL, 0 };

		if ((l.ev = calloc(count, sizeof(*l.ev))) == NULL) {
			cli_reject(cmd, "out of memory");
			goto out_txn;
		}
		ret = store_event_foreach_desc_txn(&t, UINT64_MAX, count,
		    scans_collect_cb, &l);
		for (size_t i = l.n; ret == 0 && i > 0; i--)
			scans_print_cb(&l.ev[i - 1], NULL);
		free(l.ev);
		if (ret < 0)
			cli_reject(cmd, "%s", store_strerror(ret));
		else
			rc = 0;
	} else {
		uint8_t serial[CODE_SERIAL_BYTES];
		struct store_code_scans s;
		struct code c;
		char when[40];

		if (strchr(serialtext, '/') != NULL) {
			if (code_parse(serialtext, strlen(serialtext), &c, NULL) < 0) {
				rc = cli_usage(cmd, "'%s' is not a code URL",
				    serialtext);
				goto out_txn;
			}
			memcpy(serial, c.serial, sizeof(serial));
		} else if (code_serial_parse(serialtext, strlen(serialtext),
		    serial) < 0) {
			rc = cli_usage(cmd, "'%s' is not a serial (13 base32 "
			    "characters)", serialtext);
			goto out_txn;
		}
		ret = store_code_scans_current_txn(&t, serial, &s);
		if (ret == -ENOENT) {
			cli_reject(cmd, "no scans recorded for %s", serialtext);
			goto out_txn;
		}
		if (ret < 0) {
			cli_reject(cmd, "%s", store_strerror(ret));
			goto out_txn;
		}
		printf("human scans: %u\nall scans: %u\nfirst scan: %s",
		    s.human, s.total, s.first_event ? cli_time(s.first_time,
		    when) : "-");
		if (s.first_has_location)
			printf(" at %.5f,%.5f", s.first_lat, s.first_lon);
		printf("\n");
		ret = store_event_foreach_code_txn(&t, serial, count,
		    scans_print_cb, NULL);
		if (ret < 0)
			cli_reject(cmd, "%s", store_strerror(ret));
		else
			rc = 0;
	}
out_txn:
	store_txn_abort(&t);
	store_close(st);
	return rc;
}
