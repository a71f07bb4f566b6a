/* cmd_settle.c — scanloop settle: close a month of redemptions and write
 * the statements of stores, dealers and the brand; settle verify checks
 * one (rewards/settle.h, analytics/statement.h). */
#include "tools/cli.h"
#include "analytics/statement.h"
#include "codegen/keys.h"
#include "common/clock.h"
#include "common/fsutil.h"
#include "common/tz.h"
#include "common/xmalloc.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char settle_help[] =
"NAME\n"
"     scanloop settle — close a month of redemptions (逐层结算) and write\n"
"     what the brand owes each dealer and each dealer owes each store\n"
"\n"
"SYNOPSIS\n"
"     scanloop settle --period YYYY-MM --out DIR [--dealer ID] [--store ID]\n"
"                     [--tz ZONE] [--key N] [--passphrase-file F]\n"
"                     [--secret-keys DIR] [--db DIR]\n"
"     scanloop settle verify STATEMENT --pubkey HEX|FILE\n"
"     scanloop settle list [--db DIR]\n"
"\n"
"DESCRIPTION\n"
"     Every redemption appends a settlement line to the redemption log, a\n"
"     hash chain. settle --period closes the month: it takes the lines\n"
"     after the last closed period, in log order, up to the first dated\n"
"     at or after the month's end (a redemption dated in a month already\n"
"     closed lands in the next one), checks the chain, and seals the\n"
"     period with the brand's Ed25519 key. A closed period never changes:\n"
"     settling it again writes the same statements. Periods close in\n"
"     order, each once it has ended.\n"
"\n"
"     It writes into DIR store-ID.json (what the store is owed), dealer-\n"
"     ID.json (a dealer's stores; dealer-none.json for stores without a\n"
"     dealer) and brand.json (every line of the period, by dealer), each\n"
"     with a .csv twin, signed. --dealer and --store limit the statements\n"
"     written (brand.json only without them). Files appear complete or\n"
"     not at all.\n"
"\n"
"     settle verify checks a statement (JSON or CSV) against the brand's\n"
"     public key, as 'scanloop key show' prints it: the signature, the\n"
"     period's seal, every line's hash and place in the chain, and the\n"
"     totals. docs/verify_settlement.py does the same without scanloop.\n"
"     settle list prints the closed periods.\n"
"\n"
"OPTIONS\n"
"     -p, --period YYYY-MM   the month to close (or write again)\n"
"     -o, --out DIR          where the statements go (created if missing)\n"
"         --dealer ID        only this dealer's statement and its stores'\n"
"         --store ID         only this store's statement\n"
"         --tz ZONE          the months' time zone, fixed by the first\n"
"                            period closed (default: as before, else UTC)\n"
"     -k, --key N            the brand's Ed25519 key (default 1)\n"
"     -P, --passphrase-file F  the key's passphrase (default: the key's\n"
"                            own passphrase file, as for mint)\n"
"     -S, --secret-keys DIR  the signing keys' directory\n"
"         --pubkey HEX|FILE  verify: the public key, or a file holding it\n"
"     -D, --db DIR           the store (default ./var/scanloop)\n"
"     -h, --help             this text\n"
"\n"
"EXIT STATUS\n"
"     0 on success (verify: the statement holds); 1 when rejected (the\n"
"     month has not ended, an earlier one is open, a broken chain, a\n"
"     statement that does not verify); 2 on a usage error.\n";

struct settle_opts {
	const char *period, *out, *dealer, *store, *tz, *passfile;
	uint64_t key;
};

/* What the statements of a period are made from. */
struct settle_data {
	struct store_settle_period p;
	struct store_settle_line *lines;	/* the period's, in order */
	size_t n, cap;
	uint8_t head[STORE_SETTLE_HASH_BYTES];	/* as the lines chain */
	bool broken;
};

/* Collects a period's lines, following the chain. */
static int
settle_collect_cb(const struct store_settle_line *l, void *arg)
{
	struct settle_data *d = arg;
	uint8_t hash[STORE_SETTLE_HASH_BYTES];
	struct settle_text tx;

	settle_line_text(l, &tx);
	settle_hash_fields(l->prev, tx.v, hash);
	if (memcmp(l->prev, d->head, sizeof(hash)) != 0 ||
	    memcmp(hash, l->hash, sizeof(hash)) != 0)
		d->broken = true;
	memcpy(d->head, hash, sizeof(hash));
	if (d->n == d->cap) {
		d->cap = d->cap == 0 ? 256 : d->cap * 2;
		d->lines = xreallocarray(d->lines, d->cap, sizeof(*d->lines));
	}
	d->lines[d->n++] = *l;
	return 0;
}

/* Closes the period (or reads it, closed before) and its lines. */
static int
settle_close(const char *cmd, struct store *st, const struct settle_opts *o,
    const struct keypair *kp, struct settle_data *d)
{
	struct store_settle_period other;
	struct settle_why why;
	struct store_txn t;
	int ret;

	if ((ret = store_txn_begin(st, true, &t)) < 0)
		return cli_reject(cmd, "%s", store_strerror(ret));
	ret = settle_close_txn(&t, o->period, o->tz, clock_now_us(), &d->p,
	    &why);
	store_txn_abort(&t);
	if (ret == -EINVAL || ret == -EBADMSG)
		return cli_reject(cmd, "%s", why.text);
	if (ret < 0)
		return cli_reject(cmd, "%s", store_strerror(ret));
	if (ret == 0) {
		settle_period_seal(&d->p, kp->id, kp->public, keys_secret(kp));
		if ((ret = store_txn_begin(st, false, &t)) < 0)
			return cli_reject(cmd, "%s", store_strerror(ret));
		/* Another settle may have closed a period meanwhile. */
		ret = store_settle_period_last_txn(&t, &other);
		if (ret == 0 ? other.through != d->p.after || memcmp(other.head,
		    d->p.prev_head, sizeof(other.head)) != 0 || strcmp(other.id,
		    d->p.id) >= 0 : ret == -ENOENT && d->p.after != 0)
			ret = -EAGAIN;
		else if (ret == 0 || ret == -ENOENT)
			ret = store_settle_period_add_txn(&t, &d->p);
		if (ret == 0)
			ret = store_txn_commit(&t);
		else
			store_txn_abort(&t);
		if (ret == -EAGAIN || ret == -EEXIST)
			return cli_reject(cmd, "another settle closed a period "
			    "meanwhile: run it again");
		if (ret < 0)
			return cli_reject(cmd, "%s", store_strerror(ret));
		printf("closed %s (%s): %" PRIu64 " lines\n", d->p.id, d->p.tz,
		    d->p.lines);
	} else if (o->tz != NULL && strcmp(o->tz, d->p.tz) != 0)
		return cli_reject(cmd, "%s was closed in %s, not %s", d->p.id,
		    d->p.tz, o->tz);
	if ((ret = store_txn_begin(st, true, &t)) < 0)
		return cli_reject(cmd, "%s", store_strerror(ret));
	memcpy(d->head, d->p.prev_head, sizeof(d->head));
	ret = store_settle_foreach_txn(&t, d->p.after, d->p.through,
	    settle_collect_cb, d);
	store_txn_abort(&t);
	if (ret < 0)
		return cli_reject(cmd, "%s", store_strerror(ret));
	if (d->broken || d->n != d->p.lines || memcmp(d->head, d->p.head,
	    sizeof(d->head)) != 0)
		return cli_reject(cmd, "the redemption log no longer matches "
		    "closed period %s (the store is damaged or was changed)",
		    d->p.id);
	if (settle_period_check(&d->p, kp->public) < 0)
		return cli_reject(cmd, "period %s was sealed with key %u, not "
		    "with key %u", d->p.id, d->p.key_id, kp->id);
	return 0;
}

/* Writes one statement and its CSV twin. */
static int
settle_write(const char *cmd, const char *dir, const struct statement *s,
    const struct keypair *kp)
{
	static const char *const ext[] = { "json", "csv" };
	char path[PATH_MAX];
	struct buf b = { NULL, 0, 0 };
	int ret = 0;

	for (int i = 0; i < 2 && ret == 0; i++) {
		buf_reset(&b);
		if (s->kind == STATEMENT_BRAND)
			snprintf(path, sizeof(path), "%s/brand.%s", dir, ext[i]);
		else
			snprintf(path, sizeof(path), "%s/%s-%s.%s", dir,
			    statement_kind_name(s->kind), s->subject, ext[i]);
		if ((ret = statement_format(s, i == 1, keys_secret(kp),
		    &b)) < 0)
			ret = cli_reject(cmd, "cannot format %s: %s", path,
			    strerror(-ret));
		else if ((ret = fsutil_write_atomic(path, b.data, b.len, 0644,
		    0)) < 0)
			ret = cli_reject(cmd, "cannot write %s: %s", path,
			    strerror(-ret));
		else
			printf("wrote %s\n", path);
	}
	buf_free(&b);
	return ret;
}

/* Orders lines by store, then seq. */
static int
settle_by_store(const void *a, const void *b)
{
	const struct store_settle_line *x = a, *y = b;
	int c = strcmp(x->shop, y->shop);

	return c != 0 ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Orders lines by dealer group, then seq. */
static int
settle_by_dealer(const void *a, const void *b)
{
	const struct store_settle_line *x = a, *y = b;
	int c = strcmp(statement_line_dealer(x), statement_line_dealer(y));

	return c != 0 ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Writes the statements of each run of lines that share a store (or a
 * dealer) and pass the filters; the store or dealer asked for is written
 * even without lines. */
static int
settle_groups(const char *cmd, struct store *st, const struct settle_opts *o,
    const struct settle_data *d, int kind, const struct keypair *kp)
{
	struct store_settle_line *l = NULL;
	struct statement s = { kind, NULL, "", &d->p, NULL, 0 };
	struct store_shop shop;
	struct store_txn t;
	bool wanted_done = false;
	size_t i = 0, j;
	int ret = 0;

	if (d->n > 0) {
		l = xreallocarray(NULL, d->n, sizeof(*l));
		memcpy(l, d->lines, d->n * sizeof(*l));
		qsort(l, d->n, sizeof(*l), kind == STATEMENT_STORE ?
		    settle_by_store : settle_by_dealer);
	}
	for (; ret == 0 && i <= d->n; i = j) {
		const char *subject = i < d->n ? (kind == STATEMENT_STORE ?
		    l[i].shop : statement_line_dealer(&l[i])) : NULL;
		const char *want = kind == STATEMENT_STORE ? o->store :
		    o->dealer;

		for (j = i + 1; j < d->n && strcmp(kind == STATEMENT_STORE ?
		    l[j].shop : statement_line_dealer(&l[j]), subject) == 0;)
			j++;
		if (i == d->n) {
			/* Past the last group: the one asked for, if empty. */
			if (want == NULL || wanted_done)
				break;
			subject = want;
			j = i;
		}
		if (want != NULL && strcmp(subject, want) != 0)
			continue;
		wanted_done = true;
		if (kind == STATEMENT_STORE && o->dealer != NULL && i < d->n &&
		    strcmp(statement_line_dealer(&l[i]), o->dealer) != 0)
			continue;
		s.subject = subject;
		s.lines = i < d->n ? &l[i] : NULL;
		s.nlines = j - i;
		s.name = "";
		if (kind == STATEMENT_STORE && store_txn_begin(st, true,
		    &t) == 0) {
			if (store_shop_get_txn(&t, subject, &shop) == 0)
				s.name = shop.name;
			store_txn_abort(&t);
		}
		ret = settle_write(cmd, o->out, &s, kp);
		if (i == d->n)
			break;
	}
	free(l);
	return ret;
}

/* Refuses a --store that names no store. */
static int
settle_store_known(const char *cmd, struct store *st, const char *id)
{
	struct store_shop shop;
	struct store_txn t;
	int ret;

	if ((ret = store_txn_begin(st, true, &t)) < 0)
		return cli_reject(cmd, "%s", store_strerror(ret));
	ret = store_shop_get_txn(&t, id, &shop);
	store_txn_abort(&t);
	if (ret == -ENOENT)
		return cli_reject(cmd, "no store %s", id);
	return ret < 0 ? cli_reject(cmd, "%s", store_strerror(ret)) : 0;
}

/* settle --period: close and write. */
static int
settle_run(const char *cmd, const struct settle_opts *o)
{
	struct settle_data d;
	struct store *st = NULL;
	struct store_key key;
	struct keypair *kp = NULL;
	struct statement brand;
	int rc, ret;

	memset(&d, 0, sizeof(d));
	if ((rc = cli_store_open(cmd, 0, &st)) != 0)
		return rc;
	if ((rc = cli_signing_key(cmd, st, (uint8_t)o->key, NULL, o->passfile,
	    &key, &kp)) != 0)
		goto out;
	if (kp->scheme != CODE_SCHEME_ED25519) {
		rc = cli_reject(cmd, "key %u is not an Ed25519 key",
		    (unsigned)o->key);
		goto out;
	}
	if (o->store != NULL && (rc = settle_store_known(cmd, st,
	    o->store)) != 0)
		goto out;
	if ((rc = settle_close(cmd, st, o, kp, &d)) != 0)
		goto out;
	if ((ret = fsutil_mkdirs(o->out, 0755)) < 0) {
		rc = cli_reject(cmd, "cannot create %s: %s", o->out,
		    strerror(-ret));
		goto out;
	}
	if ((rc = settle_groups(cmd, st, o, &d, STATEMENT_STORE, kp)) != 0 ||
	    (o->store == NULL && (rc = settle_groups(cmd, st, o, &d,
	    STATEMENT_DEALER, kp)) != 0))
		goto out;
	if (o->store == NULL && o->dealer == NULL) {
		brand = (struct statement){ STATEMENT_BRAND, "brand", "", &d.p,
		    d.lines, d.n };
		rc = settle_write(cmd, o->out, &brand, kp);
	}
out:
	free(d.lines);
	keys_free(kp);
	store_close(st);
	return rc;
}

/* Reads the public key: 64 hex digits, or the first such run in a file
 * (what 'scanloop key show' prints will do). */
static int
settle_pubkey(const char *cmd, const char *arg, uint8_t pub[32])
{
	char *text = NULL;
	const char *p;
	size_t len, n;
	int ret;

	if (strlen(arg) == 64 && sodium_hex2bin(pub, 32, arg, 64, NULL, &n,
	    NULL) == 0 && n == 32)
		return 0;
	if ((ret = fsutil_read_file(arg, 65536, &text, &len)) < 0)
		return cli_reject(cmd, "--pubkey %s: neither 64 hex digits nor "
		    "a readable file: %s", arg, strerror(-ret));
	for (p = text; *p != '\0'; p += n > 0 ? n : 1) {
		n = strspn(p, "0123456789abcdefABCDEF");
		if (n == 64 && (p == text || !isalnum((unsigned char)p[-1])) &&
		    sodium_hex2bin(pub, 32, p, 64, NULL, NULL, NULL) == 0) {
			free(text);
			return 0;
		}
	}
	free(text);
	return cli_reject(cmd, "--pubkey %s: no 64-digit hex key in it", arg);
}

/* settle verify STATEMENT --pubkey HEX|FILE. */
static int
settle_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pubkey", required_argument, NULL, 'K' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "settle verify", *path, *pubarg = NULL;
	struct statement_check c;
	char amount[SETTLE_AMOUNT_LEN], head[SETTLE_HEX_LEN];
	uint8_t pub[32];
	char *data = NULL;
	size_t len;
	int ch, rc = 0, ret;

	cli_getopt_reset();
	while ((ch = cli_getopt(cmd, settle_help, argc, argv, ":K:D:h",
	    longopts, &rc)) != -1) {
		if (ch == CLI_OPT_EXIT)
			return rc;
		pubarg = optarg;
	}
	if ((rc = cli_operand(cmd, "a STATEMENT file", argc, argv, &path)) != 0)
		return rc;
	if (pubarg == NULL)
		return cli_usage(cmd, "--pubkey is required");
	if ((rc = settle_pubkey(cmd, pubarg, pub)) != 0)
		return rc;
	if ((ret = fsutil_read_file(path, STATEMENT_MAX, &data, &len)) < 0)
		return cli_reject(cmd, "cannot read %s: %s", path,
		    strerror(-ret));
	ret = statement_verify(data, len, pub, &c);
	free(data);
	if (ret == -ENOMEM)
		return cli_reject(cmd, "out of memory");
	if (ret < 0) {
		statement_check_free(&c);
		return cli_reject(cmd, "%s does not verify: %s", path, c.why);
	}
	settle_hex(c.period.head, sizeof(c.period.head), head, sizeof(head));
	printf("verified: %s %s, period %s (%s), %" PRIu64 " of its %" PRIu64
	    " lines\nhead: %s\nsealed by key: %u\n",
	    statement_kind_name(c.kind), c.subject, c.period.id, c.period.tz,
	    c.lines, c.period.lines, head, c.period.key_id);
	for (size_t i = 0; i < c.ntotals; i++) {
		settle_amount_text(c.totals[i].amount, amount);
		printf("total: %s %s %" PRIu64 " %s\n", c.totals[i].group,
		    c.totals[i].currency[0] != '\0' ? c.totals[i].currency :
		    "-", c.totals[i].count, amount);
	}
	statement_check_free(&c);
	return 0;
}

/* Prints a closed period. */
static int
settle_list_cb(const struct store_settle_period *p, void *arg)
{
	char head[SETTLE_HEX_LEN], when[40];

	(void)arg;
	settle_hex(p->head, sizeof(p->head), head, sizeof(head));
	printf("%-8s %-16s %-8" PRIu64 " %-8" PRIu64 " %-24s %.16s…\n", p->id,
	    p->tz, p->lines, p->through, cli_time(p->closed, when), head);
	return 0;
}

/* settle list. */
static int
settle_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "settle list", *extra;
	struct store *st = NULL;
	struct store_txn t;
	int ch, rc = 0, ret;

	cli_getopt_reset();
	while ((ch = cli_getopt(cmd, settle_help, argc, argv, ":D:h",
	    longopts, &rc)) != -1)
		if (ch == CLI_OPT_EXIT)
			return rc;
	if ((rc = cli_operand(cmd, NULL, argc, argv, &extra)) != 0)
		return rc;
	if ((rc = cli_store_begin(cmd, STORE_RDONLY, &st, &t)) != 0)
		return rc;
	printf("%-8s %-16s %-8s %-8s %-24s %s\n", "period", "time_zone",
	    "lines", "through", "closed", "head");
	if ((ret = store_settle_period_foreach_txn(&t, settle_list_cb,
	    NULL)) < 0)
		rc = cli_reject(cmd, "%s", store_strerror(ret));
	store_txn_abort(&t);
	store_close(st);
	return rc;
}

/* scanloop settle. */
int
cmd_settle(int argc, char **argv)
{
	enum { OPT_DEALER = 256, OPT_STORE, OPT_TZ };
	static const struct option longopts[] = {
		{ "period", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "dealer", required_argument, NULL, OPT_DEALER },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "tz", required_argument, NULL, OPT_TZ },
		{ "key", required_argument, NULL, 'k' },
		{ "passphrase-file", required_argument, NULL, 'P' },
		{ "secret-keys", required_argument, NULL, 'S' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "settle", *extra;
	struct settle_opts o = { NULL, NULL, NULL, NULL, NULL, NULL, 1 };
	int ch, rc = 0;

	if (argc > 1 && strcmp(argv[1], "verify") == 0)
		return settle_verify(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "list") == 0)
		return settle_list(argc - 1, argv + 1);
	cli_getopt_reset();
	while ((ch = cli_getopt(cmd, settle_help, argc, argv,
	    ":p:o:k:P:S:D:h", longopts, &rc)) != -1) {
		switch (ch) {
		case 'p':
			o.period = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case OPT_DEALER:
			o.dealer = optarg;
			break;
		case OPT_STORE:
			o.store = optarg;
			break;
		case OPT_TZ:
			o.tz = optarg;
			break;
		case 'k':
			if (!cli_parse_u64(optarg, 0, 255, &o.key))
				return cli_usage(cmd, "--key must be a key id "
				    "from 0 to 255, not '%s'", optarg);
			break;
		case 'P':
			o.passfile = optarg;
			break;
		case 'S':
			cli_set_secret_keys(optarg);
			break;
		case CLI_OPT_EXIT:
			return rc;
		}
	}
	if ((rc = cli_operand(cmd, NULL, argc, argv, &extra)) != 0)
		return rc;
	if (o.period == NULL || o.out == NULL)
		return cli_usage(cmd, "--period and --out are required");
	if (!settle_period_ok(o.period))
		return cli_usage(cmd, "--period must be a month as YYYY-MM, not "
		    "'%s'", o.period);
	if ((o.dealer != NULL && !cli_id_ok(o.dealer)) ||
	    (o.store != NULL && !cli_id_ok(o.store)))
		return cli_usage(cmd, "--dealer and --store take an id: 1 to 32 "
		    "of A-Z a-z 0-9 _ -");
	if (o.tz != NULL && (strlen(o.tz) > STORE_SETTLE_TZ_MAX ||
	    !tz_known(o.tz)))
		return cli_usage(cmd, "unknown time zone '%s'", o.tz);
	return settle_run(cmd, &o);
}
