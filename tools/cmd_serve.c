/* cmd_serve.c — scanloop serve: the scan server. */
#include "tools/cli.h"
#include "codegen/keys.h"
#include "scanner/scan.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char serve_help[] =
"NAME\n"
"     scanloop serve — the scan server: verify codes, record scans\n"
"\n"
"SYNOPSIS\n"
"     scanloop serve [--db DIR] [--listen ADDR:PORT] [--threads N]\n"
"                    [--ip-anon | --no-ip-anon] [--log FILE] [--rate N/s]\n"
"                    [--burst N] [--max-conns N] [--max-conns-per-ip N]\n"
"                    [--trust-proxy] [--header-timeout S] [--idle-timeout S]\n"
"                    [--node ID] [--kafka BROKERS [--kafka-topic T]\n"
"                    [--kafka-max-lag N] [--kafka-option NAME=VALUE]...]\n"
"                    [--quiet]\n"
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
"     keys and KEYS/server.secret: it cannot mint. It runs beside\n"
"     'scanloop mint' on the same store; one server per store.\n"
"\n"
"     --kafka also sends what is committed to a Kafka-API broker, keyed\n"
"     by serial (docs/kafka.md); what it has not acknowledged waits in\n"
"     the store.\n"
"\n"
"     SIGTERM or SIGINT: stop accepting, answer requests in flight, commit,\n"
"     exit 0. SIGHUP: reopen the access log. An I/O error on commit ends\n"
"     the process with status 74 (restart it); a full disk answers 503\n"
"     while reads go on.\n"
"\n"
"OPTIONS\n"
"     -l, --listen ADDR:PORT    address (default 127.0.0.1:8080; port 0 picks\n"
"                               a free one, printed on stdout)\n"
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
"         --max-conns-per-ip N  per client (default 256; 0: no limit)\n"
"         --trust-proxy         take the client from X-Forwarded-For\n"
"         --header-timeout S    seconds to send a request head (default 10)\n"
"         --idle-timeout S      keep-alive seconds (default 30)\n"
"         --node ID             this node's id, 1-65535 (default 1)\n"
"         --kafka BROKERS       host:port,... (default: off)\n"
"         --kafka-topic T       default scanloop.events\n"
"         --kafka-max-lag N     unacknowledged records past which writes\n"
"                               get 503 (default 10000000; 0: no limit)\n"
"         --kafka-option K=V    a librdkafka property (TLS...); repeatable\n"
"     -q, --quiet               no start-up line\n"
"     -D, --db DIR              the store (default ./var/scanloop)\n"
"     -h, --help                this text\n"
"\n"
"EXIT STATUS\n"
"     0 after a clean shutdown, 1 when it cannot start, 2 on a usage error,\n"
"     74 after an I/O error on the store.\n";

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
	    OPT_NODE, OPT_KAFKA, OPT_KAFKA_TOPIC, OPT_KAFKA_LAG, OPT_KAFKA_OPT };
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
		{ "node", required_argument, NULL, OPT_NODE },
		{ "kafka", required_argument, NULL, OPT_KAFKA },
		{ "kafka-topic", required_argument, NULL, OPT_KAFKA_TOPIC },
		{ "kafka-max-lag", required_argument, NULL, OPT_KAFKA_LAG },
		{ "kafka-option", required_argument, NULL, OPT_KAFKA_OPT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "serve", *why;
	char secrets[4096];
	struct scan_config cfg;
	struct stream_config kafka;
	struct store *st = NULL;
	bool have_burst = false, kafka_extra = false;
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
		case OPT_NODE:
			if (!cli_parse_u64(optarg, 1, STREAM_NODE_MAX, &v))
				return cli_usage(cmd, "--node must be from 1 to "
				    "%d, not '%s'", STREAM_NODE_MAX, optarg);
			cfg.node = (uint32_t)v;
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
	if (!have_burst)
		cfg.burst = cfg.rate * 2 < 1 ? 1 : cfg.rate * 2;
	if ((rc = cli_store_open(cmd, 0, &st)) != 0)
		return rc;
	snprintf(secrets, sizeof(secrets), "%s/%s", cli_keys_dir(),
	    KEYS_SERVER_FILE);
	cfg.secrets_path = secrets;
	ret = scan_serve(st, &cfg, &why);
	store_close(st);
	if (ret < 0)
		return cli_reject(cmd, "%s: %s", why ? why : "cannot start",
		    strerror(-ret));
	return ret;
}
