/* cmd_dealer.c — scanloop dealer add | list | show | revoke: the dealers
 * (经销商) who receive cases and pallets, and their regions. */
#include "tools/cli.h"
#include "analytics/signals.h"
#include "common/clock.h"
#include "rewards/token.h"
#include "store/dealer.h"

#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define DEALER_TOKEN_TRIES 8

static const char dealer_help[] =
"NAME\n"
"     scanloop dealer — dealers who receive cases and pallets (经销商)\n"
"\n"
"SYNOPSIS\n"
"     scanloop dealer add --id ID --name NAME [--region LAT,LON,KM ...]\n"
"                         [--db DIR]\n"
"     scanloop dealer list [--db DIR]\n"
"     scanloop dealer show ID [--db DIR]\n"
"     scanloop dealer revoke ID [--db DIR]\n"
"\n"
"DESCRIPTION\n"
"     add registers a dealer and prints its API token once: the dealer's\n"
"     app sends it as 'Authorization: Bearer TOKEN' to POST\n"
"     /api/v1/dealer/receive when it scans a case or pallet code, which\n"
"     binds every item below that code to the dealer. The store keeps only\n"
"     a hash of the token: a lost token cannot be shown again (revoke the\n"
"     dealer and add it under a new id).\n"
"\n"
"     The region (up to 32 circles: latitude and longitude in degrees, a\n"
"     radius in km) is where the dealer sells: a located consumer scan of\n"
"     an item it received, outside every circle, raises the diversion\n"
"     signal (窜货) naming the dealer. It takes the place of the item's\n"
"     batch region (scanloop batch region) for the items it received.\n"
"\n"
"     ID is 1 to 32 letters, digits, '_' or '-'; NAME up to 192 bytes of\n"
"     UTF-8. list prints each dealer: id, state, circles, items received,\n"
"     created, name. show prints one with its region. revoke refuses its\n"
"     token from now on; what it received stays bound to it.\n"
"\n"
"OPTIONS\n"
"     -i, --id ID          the dealer's id\n"
"     -n, --name NAME      its name\n"
"     -r, --region C       a circle of its region: LAT,LON,KM (repeat)\n"
"     -D, --db DIR         the store (default ./var/scanloop)\n"
"     -h, --help           this text\n"
"\n"
"EXIT STATUS\n"
"     0 on success, 1 when rejected (id taken, no such dealer...), 2 on a\n"
"     usage error.\n";

/* dealer add. */
static int
dealer_add(const char *cmd, const char *id, const char *name,
    const struct store_circle *c, size_t n)
{
	char token[TOKEN_DEALER_CHARS + 1];
	struct store_dealer d;
	struct store *st = NULL;
	struct store_txn t;
	int ret = -EAGAIN, rc;

	if ((rc = cli_store_open(cmd, 0, &st)) != 0)
		return rc;
	rc = EXIT_REJECTED;
	for (int i = 0; i < DEALER_TOKEN_TRIES && ret == -EAGAIN; i++) {
		memset(&d, 0, sizeof(d));
		snprintf(d.id, sizeof(d.id), "%s", id);
		snprintf(d.name, sizeof(d.name), "%s", name);
		d.nregion = (uint8_t)n;
		memcpy(d.region, c, n * sizeof(*c));
		d.created = clock_now_us();
		if ((ret = store_txn_begin(st, false, &t)) < 0)
			break;
		token_dealer_new(&d, token);
		if ((ret = store_dealer_add_txn(&t, &d)) == 0)
			ret = store_txn_commit(&t);
		else
			store_txn_abort(&t);	/* a taken selector: redraw */
	}
	if (ret == -EEXIST)
		cli_reject(cmd, "a dealer with id %s exists", id);
	else if (ret < 0)
		cli_reject(cmd, "cannot add dealer %s: %s", id,
		    store_strerror(ret));
	else {
		printf("dealer: %s\nname: %s\n", d.id, d.name);
		for (size_t i = 0; i < n; i++)
			printf("region: %.6g,%.6g,%.6g\n", c[i].lat, c[i].lon,
			    c[i].km);
		printf("api_token: %s\n", token);
		fprintf(stderr, "scanloop %s: the API token is shown only now: "
		    "the store keeps just its hash.\n", cmd);
		rc = 0;
	}
	sodium_memzero(token, sizeof(token));
	store_close(st);
	return rc;
}

/* Prints one dealer's line. */
static int
dealer_list_cb(const struct store_dealer *d, void *arg)
{
	char when[40];

	(void)arg;
	printf("%-20s %-8s %7u %12llu %-24s %s\n", d->id, d->revoked ?
	    "revoked" : "active", (unsigned)d->nregion,
	    (unsigned long long)d->received, cli_time(d->created, when),
	    d->name);
	return 0;
}

/* Prints the dealer table's header and rows. */
static int
dealer_list_txn(struct store_txn *t, void *arg)
{
	(void)arg;
	printf("%-20s %-8s %7s %12s %-24s %s\n", "id", "state", "circles",
	    "received", "created", "name");
	return store_dealer_foreach_txn(t, dealer_list_cb, NULL);
}

/* dealer list. */
static int
dealer_list(const char *cmd)
{
	int ret;

	if ((ret = cli_store_read(cmd, dealer_list_txn, NULL)) > 0)
		return ret;
	if (ret < 0)
		return cli_reject(cmd, "%s", store_strerror(ret));
	return 0;
}

/* What dealer show reads: the id asked for and the record. */
struct dealer_show_arg {
	const char *id;
	struct store_dealer d;
};

/* Reads the dealer asked for. */
static int
dealer_show_txn(struct store_txn *t, void *arg)
{
	struct dealer_show_arg *a = arg;

	return store_dealer_get_txn(t, a->id, &a->d);
}

/* dealer show ID. */
static int
dealer_show(const char *cmd, const char *id)
{
	struct dealer_show_arg a = { .id = id };
	const struct store_dealer *dp = &a.d;
	char when[40];
	int ret;

	if ((ret = cli_store_read(cmd, dealer_show_txn, &a)) > 0)
		return ret;
	if (ret == -ENOENT)
		return cli_reject(cmd, "no dealer %s", id);
	if (ret < 0)
		return cli_reject(cmd, "%s", store_strerror(ret));
	printf("dealer: %s\nname: %s\nstate: %s\ncreated: %s\n", dp->id,
	    dp->name, dp->revoked ? "revoked" : "active",
	    cli_time(dp->created, when));
	if (dp->revoked)
		printf("revoked: %s\n", cli_time(dp->revoked_at, when));
	printf("received: %llu items in %llu receipts\n",
	    (unsigned long long)dp->received,
	    (unsigned long long)dp->receipts);
	for (size_t i = 0; i < dp->nregion && i < STORE_REGION_MAX; i++)
		printf("region: %.6g,%.6g,%.6g\n", dp->region[i].lat,
		    dp->region[i].lon, dp->region[i].km);
	if (dp->nregion == 0)
		printf("region: none (its items' batch regions apply)\n");
	return 0;
}

/* dealer revoke ID. */
static int
dealer_revoke(const char *cmd, const char *id)
{
	struct store_dealer d;
	struct store *st = NULL;
	struct store_txn t;
	int ret, rc;

	if ((rc = cli_store_begin(cmd, 0, &st, &t)) != 0)
		return rc;
	if ((ret = store_dealer_get_txn(&t, id, &d)) == 0 && d.revoked) {
		store_txn_abort(&t);
		store_close(st);
		printf("dealer %s was already revoked\n", id);
		return 0;
	}
	if (ret == 0) {
		d.revoked = 1;
		d.revoked_at = clock_now_us();
		ret = store_dealer_put_txn(&t, &d);
	}
	if (ret == 0)
		ret = store_txn_commit(&t);
	else
		store_txn_abort(&t);
	store_close(st);
	if (ret == -ENOENT)
		return cli_reject(cmd, "no dealer %s", id);
	if (ret < 0)
		return cli_reject(cmd, "%s", store_strerror(ret));
	printf("dealer %s is revoked: its API token no longer receives\n", id);
	return 0;
}

/* Runs the dealer command. */
int
cmd_dealer(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "name", required_argument, NULL, 'n' },
		{ "region", required_argument, NULL, 'r' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const subs[] = { "add", "list", "show", "revoke",
	    NULL };
	struct store_circle circles[STORE_REGION_MAX];
	const char *sub, *arg, *id = NULL, *name = NULL, *why;
	char cmd[CLI_CMD_MAX];
	size_t n = 0;
	int ch, rc;

	if ((sub = cli_subcommand("dealer", dealer_help, "subcommand", subs,
	    &argc, &argv, cmd, &rc)) == NULL)
		return rc;
	while ((ch = cli_getopt(cmd, dealer_help, argc, argv,
	    ":i:n:r:D:h", longopts, &rc)) != -1) {
		switch (ch) {
		case 'i':
			id = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'r':
			if (n == STORE_REGION_MAX)
				return cli_usage(cmd, "at most %d circles",
				    STORE_REGION_MAX);
			if (signals_circle_parse(optarg, &circles[n],
			    &why) < 0)
				return cli_usage(cmd, "--region '%s': %s",
				    optarg, why);
			n++;
			break;
		case CLI_OPT_EXIT:
			return rc;
		}
	}
	if (strcmp(sub, "add") != 0 && (id || name || n > 0))
		return cli_usage(cmd, "--id, --name and --region belong to "
		    "'dealer add'");
	if ((rc = cli_operand(cmd, strcmp(sub, "show") == 0 ||
	    strcmp(sub, "revoke") == 0 ? "a dealer ID" : NULL, argc, argv,
	    &arg)) != 0)
		return rc;
	if (strcmp(sub, "list") == 0)
		return dealer_list(cmd);
	if (strcmp(sub, "show") == 0 || strcmp(sub, "revoke") == 0) {
		if (!cli_id_ok(arg))
			return cli_usage(cmd, "'%s' is not a dealer id", arg);
		return strcmp(sub, "show") == 0 ? dealer_show(cmd, arg) :
		    dealer_revoke(cmd, arg);
	}
	if (id == NULL || name == NULL)
		return cli_usage(cmd, "--id and --name are required");
	if (!cli_id_ok(id))
		return cli_usage(cmd, "--id must be 1 to 32 letters, digits, '_' "
		    "or '-', not '%s'", id);
	if (*name == '\0' || strlen(name) > STORE_NAME_MAX * 3 ||
	    !cli_text_ok(name))
		return cli_usage(cmd, "--name must be 1 to %d bytes of UTF-8 "
		    "text", STORE_NAME_MAX * 3);
	return dealer_add(cmd, id, name, circles, n);
}
