/* cmd_shop.c — scanloop store add | list | revoke: the shops whose staff
 * redeem prizes (named "store" for people; "store" is also the LMDB
 * module, hence the file name). */
#include "tools/cli.h"
#include "common/clock.h"
#include "rewards/token.h"
#include "store/dealer.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOP_TOKEN_TRIES 8
#define SHOP_RADIUS_DEFAULT 200
#define SHOP_RADIUS_MAX 100000

static const char shop_help[] =
"NAME\n"
"     scanloop store — stores whose staff redeem prizes (核销)\n"
"\n"
"SYNOPSIS\n"
"     scanloop store add --id ID --name NAME [--lat L --lon L]\n"
"                        [--radius-m N] [--dealer ID] [--db DIR]\n"
"     scanloop store list [--db DIR]\n"
"     scanloop store code ID [--png FILE] [--base-url URL] [--db DIR]\n"
"     scanloop store revoke ID [--db DIR]\n"
"\n"
"DESCRIPTION\n"
"     add registers a store and prints its API token once: staff send it\n"
"     as 'Authorization: Bearer TOKEN' to POST /api/v1/claims/CLAIM/redeem\n"
"     or type it into the staff page (/store). The scanloop store keeps\n"
"     only a hash of the token, so a lost token cannot be shown again:\n"
"     revoke the store and add it again under a new id.\n"
"\n"
"     ID is 1 to 32 letters, digits, '_' or '-' (campaign files name\n"
"     stores by it in claim.stores); NAME is up to 192 bytes of UTF-8.\n"
"     The location is optional: latitude and longitude in degrees, and\n"
"     the radius in metres (default 200). --dealer names the dealer the\n"
"     store buys from (scanloop dealer add), which settlements and the\n"
"     report group it under.\n"
"\n"
"     The location and radius are the store's check-in fence (到店打卡,\n"
"     docs/checkin.md): code prints the URL of the store's printed code,\n"
"     BASE/K/ID/SIG, and with --png writes it as a QR image. SIG is a\n"
"     keyed hash of the id under the server's secret (server.secret), so\n"
"     nobody can make the code of another store from it. BASE is the\n"
"     newest signing key's base URL unless --base-url is given.\n"
"\n"
"     list prints each store: id, state (active, revoked), location,\n"
"     created, dealer ('-': none), name; never its token. revoke refuses the store's token\n"
"     from now on; claims it redeemed stay redeemed.\n"
"\n"
"OPTIONS\n"
"     -i, --id ID          the store's id\n"
"     -n, --name NAME      its name, shown to staff and in exports\n"
"         --lat L          latitude, -90 to 90\n"
"         --lon L          longitude, -180 to 180\n"
"         --radius-m N     radius in metres, 1 to 100000 (default 200)\n"
"         --dealer ID      the dealer it belongs to\n"
"         --png FILE       code: write the QR code as a PNG image\n"
"         --base-url URL   code: the codes' base URL\n"
"     -D, --db DIR         the store (default ./var/scanloop)\n"
"     -h, --help           this text\n"
"\n"
"EXIT STATUS\n"
"     0 on success, 1 when rejected (id taken, no such store...), 2 on a\n"
"     usage error.\n";

/* True for 1-32 of [A-Za-z0-9_-]. */
bool
cli_id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > STORE_ID_MAX)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-") == n;
}

/* Parses a coordinate in [-max, max]. */
static bool
shop_parse_deg(const char *s, double max, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < -max || v > max)
		return false;
	*out = v;
	return true;
}

/* store add. */
static int
shop_add(const char *cmd, const char *id, const char *name, bool has_loc,
    double lat, double lon, uint32_t radius, const char *dealer)
{
	struct store_dealer d;
	char token[TOKEN_SHOP_CHARS + 1];
	struct store_shop s;
	struct store *st = NULL;
	struct store_txn t;
	int ret = -EAGAIN, rc;

	if ((rc = cli_store_open(cmd, 0, &st)) != 0)
		return rc;
	rc = EXIT_REJECTED;
	for (int i = 0; i < SHOP_TOKEN_TRIES && ret == -EAGAIN; i++) {
		memset(&s, 0, sizeof(s));
		snprintf(s.id, sizeof(s.id), "%s", id);
		snprintf(s.name, sizeof(s.name), "%s", name);
		s.has_location = has_loc;
		s.lat = lat;
		s.lon = lon;
		s.radius_m = has_loc ? radius : 0;
		s.created = clock_now_us();
		if ((ret = store_txn_begin(st, false, &t)) < 0)
			break;
		token_shop_new(&s, token);
		if (dealer != NULL &&
		    (ret = store_dealer_get_txn(&t, dealer, &d)) == 0 &&
		    d.revoked)
			ret = -EPERM;
		if ((dealer == NULL || ret == 0) &&
		    (ret = store_shop_add_txn(&t, &s)) == 0 &&
		    (dealer == NULL || (ret = store_shop_dealer_put_txn(&t, id,
		    dealer)) == 0))
			ret = store_txn_commit(&t);
		else
			store_txn_abort(&t);	/* a taken selector: redraw */
	}
	if (ret == -EEXIST)
		cli_reject(cmd, "a store with id %s exists", id);
	else if (ret == -ENOENT && dealer != NULL)
		cli_reject(cmd, "no dealer %s (scanloop dealer add)", dealer);
	else if (ret == -EPERM)
		cli_reject(cmd, "dealer %s is revoked", dealer);
	else if (ret < 0)
		cli_reject(cmd, "cannot add store %s: %s", id,
		    store_strerror(ret));
	else {
		printf("store: %s\nname: %s\n", s.id, s.name);
		if (dealer != NULL)
			printf("dealer: %s\n", dealer);
		if (has_loc)
			printf("location: %.6f,%.6f radius %u m\n", lat, lon,
			    radius);
		printf("api_token: %s\n", token);
		fprintf(stderr, "scanloop %s: the API token is shown only now: "
		    "the store keeps just its hash. Hand it to the store's "
		    "staff; if it is lost, revoke the store and add a new "
		    "one.\n", cmd);
		rc = 0;
	}
	sodium_memzero(token, sizeof(token));
	store_close(st);
	return rc;
}

/* Prints one store. */
static int
shop_list_cb(const struct store_shop *s, void *arg)
{
	char when[40], loc[64], dealer[STORE_ID_MAX + 1];
	int ret;

	if ((ret = store_shop_dealer_get_txn(arg, s->id, dealer)) == -ENOENT)
		strcpy(dealer, "-");
	else if (ret < 0)
		return ret;
	if (s->has_location)
		snprintf(loc, sizeof(loc), "%.5f,%.5f r=%um", s->lat, s->lon,
		    s->radius_m);
	else
		strcpy(loc, "-");
	printf("%-20s %-8s %-32s %-24s %-20s %s\n", s->id, s->revoked ?
	    "revoked" : "active", loc, cli_time(s->created, when), dealer,
	    s->name);
	return 0;
}

/* Prints the store table's header and rows. */
static int
shop_list_txn(struct store_txn *t, void *arg)
{
	(void)arg;
	printf("%-20s %-8s %-32s %-24s %-20s %s\n", "id", "state",
	    "location", "created", "dealer", "name");
	return store_shop_foreach_txn(t, shop_list_cb, t);
}

/* store list. */
static int
shop_list(const char *cmd)
{
	int ret;

	if ((ret = cli_store_read(cmd, shop_list_txn, NULL)) > 0)
		return ret;
	if (ret < 0)
		return cli_reject(cmd, "%s", store_strerror(ret));
	return 0;
}

/* store revoke ID. */
static int
shop_revoke(const char *cmd, const char *id)
{
	struct store_shop s;
	struct store *st = NULL;
	struct store_txn t;
	int ret, rc;

	if ((rc = cli_store_begin(cmd, 0, &st, &t)) != 0)
		return rc;
	rc = EXIT_REJECTED;
	if ((ret = store_shop_get_txn(&t, id, &s)) < 0) {
		store_txn_abort(&t);
		if (ret == -ENOENT)
			cli_reject(cmd, "no store %s", id);
		else
			cli_reject(cmd, "%s", store_strerror(ret));
		goto out;
	}
	if (s.revoked) {
		store_txn_abort(&t);
		printf("store %s was already revoked\n", id);
		rc = 0;
		goto out;
	}
	s.revoked = 1;
	s.revoked_at = clock_now_us();
	if ((ret = store_shop_put_txn(&t, &s)) == 0)
		ret = store_txn_commit(&t);
	else
		store_txn_abort(&t);
	if (ret < 0) {
		cli_reject(cmd, "%s", store_strerror(ret));
		goto out;
	}
	printf("store %s is revoked: its API token no longer redeems claims\n",
	    id);
	rc = 0;
out:
	store_close(st);
	return rc;
}

/* Runs the store command. */
int
cmd_shop(int argc, char **argv)
{
	enum { OPT_LAT = 256, OPT_LON, OPT_RADIUS, OPT_DEALER, OPT_PNG, OPT_BASE };
	static const struct option longopts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "name", required_argument, NULL, 'n' },
		{ "lat", required_argument, NULL, OPT_LAT },
		{ "lon", required_argument, NULL, OPT_LON },
		{ "radius-m", required_argument, NULL, OPT_RADIUS },
		{ "dealer", required_argument, NULL, OPT_DEALER },
		{ "png", required_argument, NULL, OPT_PNG },
		{ "base-url", required_argument, NULL, OPT_BASE },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const subs[] = { "add", "list", "revoke", "code",
	    NULL };
	const char *sub, *arg, *id = NULL, *name = NULL, *lat_s = NULL;
	const char *lon_s = NULL, *radius_s = NULL, *dealer = NULL;
	const char *png = NULL, *base = NULL;
	double lat = 0, lon = 0;
	uint64_t radius = SHOP_RADIUS_DEFAULT;
	char cmd[CLI_CMD_MAX];
	int ch, rc;

	if ((sub = cli_subcommand("store", shop_help, "subcommand", subs,
	    &argc, &argv, cmd, &rc)) == NULL)
		return rc;
	while ((ch = cli_getopt(cmd, shop_help, argc, argv,
	    ":i:n:D:h", longopts, &rc)) != -1) {
		switch (ch) {
		case 'i':
			id = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case OPT_LAT:
			lat_s = optarg;
			break;
		case OPT_LON:
			lon_s = optarg;
			break;
		case OPT_RADIUS:
			radius_s = optarg;
			break;
		case OPT_DEALER:
			dealer = optarg;
			break;
		case OPT_PNG:
			png = optarg;
			break;
		case OPT_BASE:
			base = optarg;
			break;
		case CLI_OPT_EXIT:
			return rc;
		}
	}
	if (strcmp(sub, "add") != 0 && (id || name || lat_s || lon_s ||
	    radius_s || dealer))
		return cli_usage(cmd, "--id, --name, --lat, --lon, --radius-m "
		    "and --dealer belong to 'store add'");
	if (strcmp(sub, "code") != 0 && (png || base))
		return cli_usage(cmd, "--png and --base-url belong to 'store "
		    "code'");
	if ((rc = cli_operand(cmd, strcmp(sub, "revoke") == 0 ||
	    strcmp(sub, "code") == 0 ? "a store ID" : NULL, argc, argv,
	    &arg)) != 0)
		return rc;
	if (strcmp(sub, "code") == 0) {
		if (!cli_id_ok(arg))
			return cli_usage(cmd, "'%s' is not a store id", arg);
		return cli_shop_code(cmd, arg, png, base);
	}
	if (strcmp(sub, "list") == 0)
		return shop_list(cmd);
	if (strcmp(sub, "revoke") == 0) {
		if (!cli_id_ok(arg))
			return cli_usage(cmd, "'%s' is not a store id", arg);
		return shop_revoke(cmd, arg);
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
	if ((lat_s != NULL) != (lon_s != NULL))
		return cli_usage(cmd, "give --lat and --lon together");
	if (lat_s != NULL && !shop_parse_deg(lat_s, 90, &lat))
		return cli_usage(cmd, "--lat must be a number from -90 to 90, not "
		    "'%s'", lat_s);
	if (lon_s != NULL && !shop_parse_deg(lon_s, 180, &lon))
		return cli_usage(cmd, "--lon must be a number from -180 to 180, "
		    "not '%s'", lon_s);
	if (radius_s != NULL && lat_s == NULL)
		return cli_usage(cmd, "--radius-m needs --lat and --lon");
	if (radius_s != NULL && !cli_parse_u64(radius_s, 1, SHOP_RADIUS_MAX,
	    &radius))
		return cli_usage(cmd, "--radius-m must be from 1 to %d, not '%s'",
		    SHOP_RADIUS_MAX, radius_s);
	if (dealer != NULL && !cli_id_ok(dealer))
		return cli_usage(cmd, "'%s' is not a dealer id", dealer);
	return shop_add(cmd, id, name, lat_s != NULL, lat, lon,
	    (uint32_t)radius, dealer);
}
