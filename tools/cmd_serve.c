/* cmd_serve.c — scanloop serve: the scan server. */
#include "tools/cli.h"
#include "codegen/keys.h"
#include "scanner/bots.h"
#include "scanner/cluster.h"
#include "scanner/scan.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The server's help outgrew the 4,095 characters C11 promises every
 * compiler takes in one string; GCC and Clang take any length. */
#pragma GCC diagnostic ignored "-Woverlength-strings"
static const char serve_help[] =
"NAME\n"
"     scanloop serve — the scan server: verify codes, record scans\n"
"\n"
"SYNOPSIS\n"
"     scanloop serve [--db DIR] [--listen ADDR:PORT] [--threads N]\n"
"                    [--ip-anon | --no-ip-anon] [--log FILE] [--rate N/s]\n"
"                    [--burst N] [--max-conns N] [--max-conns-per-ip N]\n"
"                    [--trust-proxy] [--header-timeout S] [--idle-timeout S]\n"
"                    [--forged-budget N] [--retain-forged DAYS]\n"
"                    [--retain-ip DAYS] [--retain-groups DAYS]\n"
"                    [--bots FILE]\n"
"                    [--node ID] [--kafka BROKERS [--kafka-topic T]\n"
"                    [--kafka-max-lag N] [--kafka-option NAME=VALUE]...]\n"
"                    [--pg CONNINFO [--pg-lease N] [--pg-return S]]\n"
"                    [--cluster FILE] [--quiet]\n"
"\n"
"DESCRIPTION\n"
"     Answers the URLs printed in the QR codes, GET /01/{GTIN}/21/{SERIAL}\n"
"     ?S={SIG} in any letter case, with a mobile page in Chinese or English\n"
"     (after Accept-Language or ?lang=): genuine (200), not yet activated\n"
"     (200), void (410), forged or malformed (404). Every scan is recorded\n"
"     as an event (time, code, verdict, client address, User-Agent,\n"
"     language, visitor cookie, location when the consumer shares it); a\n"
"     200 is sent only once its event is on disk. Concurrent scans share\n"
"     commits (group commit).\n"
"\n"
"     Also: GET /01/{GTIN} (product page), POST /api/v1/scans, POST\n"
"     /api/v1/scans/{id}/location, GET /api/v1/codes/{SERIAL}, GET /healthz,\n"
"     GET /metrics (Prometheus). Prize draws (docs/draws.md): GET /D/{TOKEN}\n"
"     (an inner draw code), POST /draw (the page's draw button), POST\n"
"     /api/v1/draws, POST /api/v1/claims/{TOKEN}/redeem (a store's Bearer\n"
"     token), GET /api/v1/visitors/me/points, GET /store (the staff page).\n"
"     docs/server.md describes every route. The server needs only public\n"
"     keys and KEYS/server.secret: it cannot mint. It refuses to start if\n"
"     it can read a signing key (key-N.secret, key-N.pass) in KEYS or the\n"
"     store's directory: those live in the signing keys' own directory\n"
"     (scanloop key --help; 'scanloop key migrate' moves older ones). It\n"
"     makes KEYS (mode 0700) if missing. It runs beside 'scanloop mint' on\n"
"     the same store; one server per store.\n"
"\n"
"     --kafka also sends what is committed to a Kafka-API broker, keyed\n"
"     by serial (docs/kafka.md); what it has not acknowledged waits in\n"
"     the store.\n"
"\n"
"     --pg leases the campaigns' prize stock from a PostgreSQL ledger\n"
"     shared by several nodes ('scanloop pg init'; docs/scale-out.md): a\n"
"     node awards only what it leased, so they never award more than the\n"
"     stock or a daily cap together. A draw whose tier has no leased stock\n"
"     here yet answers 503 \"try again\" (Retry-After: 1) while a lease is\n"
"     fetched, also while PostgreSQL is down; scans are not affected.\n"
"     Each node needs its own --node.\n"
"\n"
"     --cluster FILE shares the codes among the nodes the file names (with\n"
"     their internal addresses and the file of the cluster's secret, mode\n"
"     0600): each serial has one owner node (rendezvous hashing), which\n"
"     records its scans and makes its draw; any node answers any code,\n"
"     verifying it and asking the owner over its internal listener. When\n"
"     the owner is down a scan is recorded here and a draw answers 503\n"
"     \"try again\" (docs/scale-out.md).\n"
"\n"
"     SIGTERM or SIGINT: stop accepting, answer requests in flight, commit,\n"
"     exit 0. SIGHUP: reopen the access log. An I/O error on commit ends\n"
"     the process with status 74 (restart it); a full disk answers 503\n"
"     while reads go on.\n"
"\n"
"OPTIONS\n"
"     -l, --listen ADDR:PORT    address (default 127.0.0.1:8080; port 0 picks\n"
"                               a free one, printed on stdout); refused if\n"
"                               another process listens there\n"
"     -j, --threads N           event-loop threads (default: one per core)\n"
"         --ip-anon             zero the host part of client addresses\n"
"                               (IPv4 last octet, IPv6 last 80 bits): default\n"
"         --no-ip-anon          keep addresses whole\n"
"         --log FILE            JSON access log, one line per request\n"
"         --rate N/s            requests per second per client (IPv4 address\n"
"                               or IPv6 /64); 0 turns it off (default 50/s)\n"
"         --burst N             token bucket size (default: twice the rate)\n"
"         --max-conns N         open connections; past it accepting pauses\n"
"                               (default 4096)\n"
"         --max-conns-per-ip N  per client (default 256; 0: no limit); at\n"
"                               most a quarter of --max-conns, and in the\n"
"                               last quarter only clients holding fewer\n"
"                               than 8 get in\n"
"         --trust-proxy         take the client from X-Forwarded-For\n"
"         --header-timeout S    seconds to send a request head (default 10)\n"
"         --idle-timeout S      keep-alive seconds (default 30)\n"
"         --forged-budget N     forged and malformed scans stored one by one\n"
"                               per client network (IPv4 /24, IPv6 /48) and\n"
"                               hour; past it they are only counted\n"
"                               (default 1000)\n"
"         --retain-forged DAYS  delete forged and malformed events and their\n"
"                               counts after DAYS (default 90; 0: keep)\n"
"         --retain-ip DAYS      drop client addresses from events older than\n"
"                               DAYS (default 100; 0: keep)\n"
"         --retain-groups DAYS  delete the groups that never unlocked, with\n"
"                               their members, DAYS after their deadline\n"
"                               (default 30; 0: keep)\n"
"         --bots FILE           the crawler-user-agents list (JSON) that\n"
"                               tells bots from people (default: the copy\n"
"                               that tools/setup.sh installs, below); if\n"
"                               the default is missing, built-in rules\n"
"                               alone, with a warning\n"
"         --node ID             this node's id, 1-65535 (default 1)\n"
"         --kafka BROKERS       host:port,... (default: off)\n"
"         --kafka-topic T       default scanloop.events\n"
"         --kafka-max-lag N     unacknowledged records past which writes\n"
"                               get 503 (default 10000000; 0: no limit)\n"
"         --kafka-option K=V    a librdkafka property (TLS...); repeatable\n"
"         --pg CONNINFO         the prize stock ledger (libpq's conninfo or\n"
"                               a postgresql:// URI; default: off)\n"
"         --pg-lease N          units of a tier leased at a time (default\n"
"                               20)\n"
"         --pg-return S         unused stock of a tier idle for S seconds\n"
"                               goes back to the ledger (default 30)\n"
"         --cluster FILE        the nodes sharing the codes, with --node\n"
"                               (default: this node alone)\n"
"     -q, --quiet               no start-up line\n"
"     -D, --db DIR              the store (default ./var/scanloop)\n"
"     -h, --help                this text\n"
"\n"
"FILES\n"
"     " SCANLOOP_BOTS_LIST "\n"
"                               the installed crawler list\n"
"\n"
"EXIT STATUS\n"
"     0 after a clean shutdown, 1 when it cannot start, 2 on a usage error,\n"
"     74 after an I/O error on the store.\n";

/* Refuses to serve if the server could read a signing key (key-N.secret,
 * key-N.pass) in dir: 0, or EXIT_REJECTED after an error line. Only the
 * names are read (readdir and access): the key files are never opened. */
static int
serve_check_no_signing_keys(const char *cmd, const char *dir)
{
	struct dirent *de;
	int rc = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		char path[4096];

		if (strncmp(de->d_name, "key-", 4) != 0 || !((n > 7 &&
		    strcmp(de->d_name + n - 7, ".secret") == 0) || (n > 5 &&
		    strcmp(de->d_name + n - 5, ".pass") == 0)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (access(path, R_OK) == 0)
			rc = cli_reject(cmd, "%s: the scan server could read this "
			    "signing key; move the signing keys out of its reach "
			    "with 'scanloop key migrate' (docs/store.md §8)", path);
	}
	closedir(d);
	return rc;
}

/* Reads the cluster file and its secret into guarded memory (it holds
 * the secret); 0, or the exit status after saying why. */
static int
serve_load_cluster(const char *cmd, const char *path, uint32_t node,
    struct cluster **out)
{
	struct cluster *cl;
	char why[512];

	if ((cl = sodium_malloc(sizeof(*cl))) == NULL)
		return cli_reject(cmd, "out of memory");
	if (cluster_load(path, cl, why, sizeof(why)) < 0) {
		sodium_free(cl);
		return cli_usage(cmd, "--cluster %s: %s", path, why);
	}
	if (cluster_find(cl, node) < 0) {
		cluster_wipe(cl);
		sodium_free(cl);
		return cli_usage(cmd, "--cluster %s does not name node %u",
		    path, node);
	}
	*out = cl;
	return 0;
}

/* Loads the bot list: the given file must load; the default may be
 * missing (a machine where the set-up could not reach the npm registry),
 * and then the built-in rules serve alone, said loudly. */
static int
serve_load_bots(const char *cmd, const char *path, bool quiet,
    struct bots **out)
{
	const char *file = path != NULL ? path : SCANLOOP_BOTS_LIST;
	struct bots_info in;
	char why[512], why2[160];
	int ret;

	if ((ret = bots_load(file, out, why, sizeof(why))) < 0) {
		if (path != NULL || ret == -ENOMEM)
			return cli_reject(cmd, "--bots: %s", why[0] != '\0' ?
			    why : strerror(-ret));
		if ((ret = bots_load(NULL, out, why2, sizeof(why2))) < 0)
			return cli_reject(cmd, "bots: %s", strerror(-ret));
		bots_get_info(*out, &in);
		fprintf(stderr, "scanloop serve: WARNING: no crawler list (%s): "
		    "bots are told by the %u built-in rules alone; install the "
		    "list with tools/setup.sh or give --bots FILE\n", why,
		    in.own_rules);
		return 0;
	}
	bots_get_info(*out, &in);
	if (!quiet)
		fprintf(stderr, "scanloop serve: bots: %u patterns from %s (%u "
		    "strings, %u expressions, %u dropped as known false "
		    "positives, %u invalid) and %u own rules\n",
		    in.list_patterns, file, in.literals, in.regexes, in.ignored,
		    in.invalid, in.own_rules);
	return 0;
}

/* Parses "N", "N/s" or "N/sec" as a rate. */
static bool
serve_parse_rate(const char *s, double *out)
{
	char *end;
	double v;

	if (s[0] < '0' || s[0] > '9')
		return false;
	v = strtod(s, &end);
	if (*end != '\0' && strcmp(end, "/s") != 0 && strcmp(end, "/sec") != 0)
		return false;
	if (v < 0 || v > 1e9)
		return false;
	*out = v;
	return true;
}

/* Runs the serve command. */
int
cmd_serve(int argc, char **argv)
{
	enum { OPT_IP_ANON = 256, OPT_NO_IP_ANON, OPT_LOG, OPT_RATE, OPT_BURST,
	    OPT_MAX_CONNS, OPT_MAX_PER_IP, OPT_TRUST, OPT_HDR_TO, OPT_IDLE_TO,
	    OPT_BUDGET, OPT_RETAIN_FORGED, OPT_RETAIN_IP, OPT_RETAIN_GROUPS,
	    OPT_BOTS,
	    OPT_NODE, OPT_KAFKA, OPT_KAFKA_TOPIC, OPT_KAFKA_LAG, OPT_KAFKA_OPT,
	    OPT_PG, OPT_PG_LEASE, OPT_PG_RETURN, OPT_CLUSTER };
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 'j' },
		{ "ip-anon", no_argument, NULL, OPT_IP_ANON },
		{ "no-ip-anon", no_argument, NULL, OPT_NO_IP_ANON },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "burst", required_argument, NULL, OPT_BURST },
		{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
		{ "max-conns-per-ip", required_argument, NULL, OPT_MAX_PER_IP },
		{ "trust-proxy", no_argument, NULL, OPT_TRUST },
		{ "header-timeout", required_argument, NULL, OPT_HDR_TO },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE_TO },
		{ "forged-budget", required_argument, NULL, OPT_BUDGET },
		{ "retain-forged", required_argument, NULL, OPT_RETAIN_FORGED },
		{ "retain-ip", required_argument, NULL, OPT_RETAIN_IP },
		{ "retain-groups", required_argument, NULL, OPT_RETAIN_GROUPS },
		{ "bots", required_argument, NULL, OPT_BOTS },
		{ "node", required_argument, NULL, OPT_NODE },
		{ "kafka", required_argument, NULL, OPT_KAFKA },
		{ "kafka-topic", required_argument, NULL, OPT_KAFKA_TOPIC },
		{ "kafka-max-lag", required_argument, NULL, OPT_KAFKA_LAG },
		{ "kafka-option", required_argument, NULL, OPT_KAFKA_OPT },
		{ "pg", required_argument, NULL, OPT_PG },
		{ "pg-lease", required_argument, NULL, OPT_PG_LEASE },
		{ "pg-return", required_argument, NULL, OPT_PG_RETURN },
		{ "cluster", required_argument, NULL, OPT_CLUSTER },
		{ "quiet", no_argument, NULL, 'q' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "serve", *why, *bots_path = NULL;
	const char *cluster_path = NULL;
	struct cluster *cluster = NULL;
	char secrets[4096];
	struct scan_config cfg;
	struct stream_config kafka;
	struct leaser_config pg = { .block = LEASER_BLOCK_DEFAULT,
	    .idle_s = LEASER_IDLE_DEFAULT };
	struct store *st = NULL;
	bool have_burst = false, kafka_extra = false, pg_extra = false;
	bool node_given = false;
	uint64_t v;
	int ch, ret, rc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.http.listen = "127.0.0.1:8080";
	cfg.http.max_conns = 4096;
	cfg.http.max_conns_per_ip = 256;
	cfg.http.body_max = 16384;
	cfg.http.header_timeout_ms = 10000;
	cfg.http.body_timeout_ms = 10000;
	cfg.http.idle_timeout_ms = 30000;
	cfg.http.write_timeout_ms = 30000;
	cfg.http.drain_timeout_ms = 10000;
	cfg.ip_anon = true;
	cfg.rate = 50;
	cfg.forged_budget = STORE_FORGED_BUDGET_DEFAULT;
	cfg.retain.forged_days = SCAN_RETAIN_FORGED_DAYS;
	cfg.retain.ip_days = SCAN_RETAIN_IP_DAYS;
	cfg.retain.groups_days = SCAN_RETAIN_GROUPS_DAYS;
	cfg.node = 1;
	memset(&kafka, 0, sizeof(kafka));
	kafka.topic = STREAM_TOPIC_DEFAULT;
	kafka.max_lag = STREAM_MAX_LAG_DEFAULT;
	cli_getopt_reset();
	while ((ch = cli_getopt(cmd, serve_help, argc, argv,
	    ":l:j:qD:h", longopts, &rc)) != -1) {
		switch (ch) {
		case 'l':
			cfg.http.listen = optarg;
			break;
		case 'j':
			if (!cli_parse_u64(optarg, 1, 256, &v))
				return cli_usage(cmd, "--threads must be from 1 to "
				    "256, not '%s'", optarg);
			cfg.http.threads = (unsigned)v;
			break;
		case OPT_IP_ANON:
			cfg.ip_anon = true;
			break;
		case OPT_NO_IP_ANON:
			cfg.ip_anon = false;
			break;
		case OPT_LOG:
			cfg.log_path = optarg;
			break;
		case OPT_RATE:
			if (!serve_parse_rate(optarg, &cfg.rate))
				return cli_usage(cmd, "--rate must look like 50/s "
				    "(0 turns the limit off), not '%s'", optarg);
			break;
		case OPT_BURST:
			if (!cli_parse_u64(optarg, 1, 1000000000, &v))
				return cli_usage(cmd, "--burst must be a positive "
				    "number, not '%s'", optarg);
			cfg.burst = (double)v;
			have_burst = true;
			break;
		case OPT_MAX_CONNS:
			if (!cli_parse_u64(optarg, 1, 1000000, &v))
				return cli_usage(cmd, "--max-conns must be from 1 "
				    "to 1000000, not '%s'", optarg);
			cfg.http.max_conns = (unsigned)v;
			break;
		case OPT_MAX_PER_IP:
			if (!cli_parse_u64(optarg, 0, 1000000, &v))
				return cli_usage(cmd, "--max-conns-per-ip must be "
				    "a number, not '%s'", optarg);
			cfg.http.max_conns_per_ip = (unsigned)v;
			break;
		case OPT_TRUST:
			cfg.http.trust_proxy = true;
			break;
		case OPT_HDR_TO:
			if (!cli_parse_u64(optarg, 1, 3600, &v))
				return cli_usage(cmd, "--header-timeout must be 1 "
				    "to 3600 seconds, not '%s'", optarg);
			cfg.http.header_timeout_ms = (int)v * 1000;
			cfg.http.body_timeout_ms = (int)v * 1000;
			break;
		case OPT_IDLE_TO:
			if (!cli_parse_u64(optarg, 1, 3600, &v))
				return cli_usage(cmd, "--idle-timeout must be 1 to "
				    "3600 seconds, not '%s'", optarg);
			cfg.http.idle_timeout_ms = (int)v * 1000;
			break;
		case OPT_BUDGET:
			if (!cli_parse_u64(optarg, 0, 1000000000, &v))
				return cli_usage(cmd, "--forged-budget must be a "
				    "number of scans, not '%s'", optarg);
			cfg.forged_budget = v;
			break;
		case OPT_RETAIN_FORGED:
		case OPT_RETAIN_IP:
		case OPT_RETAIN_GROUPS:
			if (!cli_parse_u64(optarg, 0, SCAN_RETAIN_DAYS_MAX, &v))
				return cli_usage(cmd, "--%s must be 0 to %d days, "
				    "not '%s'", ch == OPT_RETAIN_IP ? "retain-ip" :
				    ch == OPT_RETAIN_GROUPS ? "retain-groups" :
				    "retain-forged", SCAN_RETAIN_DAYS_MAX, optarg);
			if (ch == OPT_RETAIN_IP)
				cfg.retain.ip_days = (int)v;
			else if (ch == OPT_RETAIN_GROUPS)
				cfg.retain.groups_days = (int)v;
			else
				cfg.retain.forged_days = (int)v;
			break;
		case OPT_BOTS:
			bots_path = optarg;
			break;
		case OPT_NODE:
			if (!cli_parse_u64(optarg, 1, STREAM_NODE_MAX, &v))
				return cli_usage(cmd, "--node must be from 1 to "
				    "%d, not '%s'", STREAM_NODE_MAX, optarg);
			cfg.node = (uint32_t)v;
			node_given = true;
			break;
		case OPT_KAFKA:
			if (optarg[0] == '\0')
				return cli_usage(cmd, "--kafka wants brokers "
				    "(host:port,...)");
			kafka.brokers = optarg;
			break;
		case OPT_KAFKA_TOPIC:
			if (!stream_topic_valid(optarg))
				return cli_usage(cmd, "--kafka-topic must be 1 "
				    "to %d letters, digits, '.', '_' or '-', not "
				    "'%s'", STREAM_TOPIC_MAX, optarg);
			kafka.topic = optarg;
			kafka_extra = true;
			break;
		case OPT_KAFKA_LAG:
			if (!cli_parse_u64(optarg, 0, UINT64_MAX / 2, &v))
				return cli_usage(cmd, "--kafka-max-lag must be a "
				    "number of records, not '%s'", optarg);
			kafka.max_lag = v;
			kafka_extra = true;
			break;
		case OPT_KAFKA_OPT:
			if (strchr(optarg, '=') == NULL || optarg[0] == '=')
				return cli_usage(cmd, "--kafka-option must be "
				    "NAME=VALUE, not '%s'", optarg);
			if (kafka.noptions == STREAM_OPTIONS_MAX)
				return cli_usage(cmd, "at most %d --kafka-option",
				    STREAM_OPTIONS_MAX);
			kafka.options[kafka.noptions++] = optarg;
			kafka_extra = true;
			break;
		case OPT_PG:
			if (optarg[0] == '\0')
				return cli_usage(cmd, "--pg wants a connection "
				    "string");
			pg.conninfo = optarg;
			break;
		case OPT_PG_LEASE:
		case OPT_PG_RETURN:
			if (!cli_parse_u64(optarg, 1, 1000000, &v))
				return cli_usage(cmd, "--%s must be from 1 to "
				    "1000000, not '%s'", ch == OPT_PG_LEASE ?
				    "pg-lease" : "pg-return", optarg);
			if (ch == OPT_PG_LEASE)
				pg.block = (uint32_t)v;
			else
				pg.idle_s = (uint32_t)v;
			pg_extra = true;
			break;
		case OPT_CLUSTER:
			cluster_path = optarg;
			break;
		case 'q':
			cfg.quiet = true;
			break;
		case CLI_OPT_EXIT:
			return rc;
		}
	}
	if (optind < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (kafka_extra && kafka.brokers == NULL)
		return cli_usage(cmd, "--kafka-topic, --kafka-max-lag and "
		    "--kafka-option go with --kafka");
	if (kafka.brokers != NULL) {
		kafka.node = cfg.node;
		cfg.kafka = &kafka;
	}
	if (pg_extra && pg.conninfo == NULL)
		return cli_usage(cmd, "--pg-lease and --pg-return go with "
		    "--pg");
	if (pg.conninfo != NULL && !node_given)
		return cli_usage(cmd, "--pg needs --node ID: each node its own");
	if (pg.conninfo != NULL) {
		pg.node = cfg.node;
		cfg.pg = &pg;
	}
	if (cluster_path != NULL && !node_given)
		return cli_usage(cmd, "--cluster needs --node ID: which of its "
		    "nodes this is");
	if (!have_burst)
		cfg.burst = cfg.rate * 2 < 1 ? 1 : cfg.rate * 2;
	if ((rc = serve_check_no_signing_keys(cmd, cli_keys_dir())) != 0 ||
	    (rc = serve_check_no_signing_keys(cmd, cli_db())) != 0)
		return rc;
	if ((ret = cli_dir_private(cli_keys_dir())) < 0)
		return cli_reject(cmd, "cannot create %s: %s", cli_keys_dir(),
		    strerror(-ret));
	if (cluster_path != NULL && (rc = serve_load_cluster(cmd, cluster_path,
	    cfg.node, &cluster)) != 0)
		return rc;
	cfg.cluster = cluster;
	if ((rc = serve_load_bots(cmd, bots_path, cfg.quiet, &cfg.bots)) != 0)
		goto out_cluster;
	if ((rc = cli_store_open(cmd, 0, &st)) != 0) {
		bots_free(cfg.bots);
		goto out_cluster;
	}
	snprintf(secrets, sizeof(secrets), "%s/%s", cli_keys_dir(),
	    KEYS_SERVER_FILE);
	cfg.secrets_path = secrets;
	ret = scan_serve(st, &cfg, &why);
	store_close(st);
	bots_free(cfg.bots);
	if (ret < 0)
		rc = cli_reject(cmd, "%s: %s", why ? why : "cannot start",
		    strerror(-ret));
	else
		rc = ret;
out_cluster:
	if (cluster != NULL) {
		cluster_wipe(cluster);
		sodium_free(cluster);
	}
	return rc;
}
