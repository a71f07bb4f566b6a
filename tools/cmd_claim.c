/* cmd_claim.c — scanloop claim redeem | show: a prize or a sealed ticket
 * at the store's counter. */
#include "tools/cli.h"
#include "codegen/base32.h"
#include "codegen/code.h"
#include "common/clock.h"
#include "pg/pg.h"
#include "rewards/campaign.h"
#include "rewards/redeem.h"
#include "rewards/token.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char claim_help[] =
"NAME\n"
"     scanloop claim — redeem and inspect prize claims (核销)\n"
"\n"
"SYNOPSIS\n"
"     scanloop claim redeem TOKEN --store ID [--pg CONNINFO --node N]\n"
"                    [--db DIR]\n"
"     scanloop claim show TOKEN [--db DIR]\n"
"\n"
"DESCRIPTION\n"
"     TOKEN is the claim token a winner shows (24 characters, as text in\n"
"     groups of four or from the QR code; case, spaces and hyphens do not\n"
"     matter).\n"
"\n"
"     redeem marks the claim redeemed at store ID, now, exactly as the\n"
"     store's staff page does: once only, before it expires, at a store\n"
"     the campaign allows. A sealed ticket (到店开奖) is opened now: its\n"
"     outcome is drawn over the campaign's at_store tiers under their\n"
"     caps, and printed. A refused redemption changes nothing and says\n"
"     why: unknown token, already redeemed (when and where), expired,\n"
"     store not allowed, coupon not valid yet, unknown or revoked store.\n"
"     With --pg, --db being node N's store of nodes that serve with --pg\n"
"     (docs/scale-out.md), the redemption is first inserted in their\n"
"     PostgreSQL database, as the nodes do: a claim redeemed on any node\n"
"     is refused here with the first redemption's store and time.\n"
"\n"
"     show prints the claim: campaign, prize or ticket, state, created,\n"
"     expires, redeemed (when, where). The token is checked in constant\n"
"     time; the store keeps only its hash.\n"
"\n"
"OPTIONS\n"
"     -s, --store ID       the store redeeming the claim (see 'scanloop\n"
"                          store list')\n"
"         --pg CONNINFO    redeem: the nodes' PostgreSQL database\n"
"         --node N         redeem: the node whose store --db is\n"
"     -D, --db DIR         the store (default ./var/scanloop)\n"
"     -h, --help           this text\n"
"\n"
"EXIT STATUS\n"
"     0 on success, 1 when rejected (unknown, redeemed, expired or\n"
"     forbidden claim, unknown store), 2 on a usage error.\n";

/* redeem_txn's campaign lookup: from the store, in its transaction. */
static struct campaign *
claim_lookup(const char *id, void *arg)
{
	struct campaign *c = NULL;

	if (campaign_load_txn(arg, id, &c, NULL, 0) < 0)
		return NULL;
	return c;
}

/* Prints what a claim holds: the prize, or the ticket and its outcome. */
static void
claim_print_prize(const struct campaign *c, const struct store_claim *cl)
{
	const struct campaign_tier *t = cl->tier > 0 && c != NULL ?
	    campaign_tier_at(c, cl->tier - 1u) : NULL;
	char from[40], to[40];

	if (cl->ticket) {
		if (cl->open_seq == 0)
			printf("prize: sealed ticket (到店开奖), not opened yet\n");
		else if (t != NULL)
			printf("prize: sealed ticket, opened (draw %" PRIu64 "): "
			    "won %s\n", cl->open_seq, t->id);
		else
			printf("prize: sealed ticket, opened (draw %" PRIu64 "): "
			    "no prize\n", cl->open_seq);
	}
	if (t == NULL) {
		if (!cl->ticket)
			printf("prize: tier %u (unknown)\n", cl->tier);
		return;
	}
	printf("tier: %s (%s)\nname: %s\n", t->id, campaign_kind_name(t->kind),
	    t->name);
	if (t->kind == CAMPAIGN_COUPON) {
		printf("coupon: %s %s, %s\n", t->face_value, t->currency,
		    t->condition);
		if (t->valid_from != 0 || t->valid_to != 0)
			printf("coupon_valid: %s to %s\n", t->valid_from ?
			    cli_time(t->valid_from, from) : "the draw",
			    t->valid_to ? cli_time(t->valid_to, to) :
			    cli_time(cl->expires, to));
	} else if (t->kind == CAMPAIGN_POINTS)
		printf("points: %" PRId64 "\n", t->points);
}

/* Prints a claim. */
static void
claim_print(const struct campaign *c, const struct store_claim *cl,
    int64_t now)
{
	char id[BASE32_LEN(STORE_CLAIM_ID_BYTES) + 1], when[40];
	char serial[CODE_SERIAL_CHARS + 1];

	base32_encode(id, cl->id, STORE_CLAIM_ID_BYTES);
	code_serial_text(cl->serial, serial);
	printf("claim: %s\ncampaign: %s%s%s\n", id, cl->campaign,
	    c != NULL ? " — " : "", c != NULL ? c->name : "");
	claim_print_prize(c, cl);
	printf("state: %s\n", cl->state == STORE_CLAIM_REDEEMED ? "redeemed" :
	    now >= cl->expires ? "expired" : "open");
	printf("serial: %s\ndraw: %" PRIu64 "\n", serial, cl->draw_seq);
	printf("created: %s\n", cli_time(cl->created, when));
	printf("expires: %s\n", cli_time(cl->expires, when));
	if (cl->state == STORE_CLAIM_REDEEMED)
		printf("redeemed: %s at store %s\n", cli_time(cl->redeemed, when),
		    cl->shop);
	else
		printf("redeemed: no\n");
}

/*
 * With --pg: the redemption is checked in the store, then inserted in
 * PostgreSQL; returns 0 when this one is the first (or this node's and
 * store's own earlier one: recorded here now), else EXIT_REJECTED after
 * saying why. A redemption the store refuses goes on to claim_redeem,
 * which says why.
 */
static int
claim_redeem_pg(const char *cmd, const char *token, const char *shop,
    const char *conninfo, int64_t node)
{
	struct redeem_request rq;
	struct redeem_result res;
	struct pg_redemption first;
	uint8_t key[PG_CLAIM_ID_BYTES];
	struct store *st = NULL;
	struct store_txn t;
	struct pg *pg = NULL;
	char when[40];
	bool won;
	int ret, rc;

	memset(&res, 0, sizeof(res));
	memset(&rq, 0, sizeof(rq));
	if ((rc = cli_store_begin(cmd, STORE_RDONLY, &st, &t)) != 0)
		return rc;
	rq.claim_token = token;
	rq.shop_id = shop;
	rq.now = clock_now_us();
	rq.lookup = claim_lookup;
	rq.lookup_arg = &t;
	rq.tallies = &tallies_store;
	ret = redeem_check_txn(&t, &rq, &res);
	store_txn_abort(&t);
	store_close(st);
	if (ret < 0 || res.status != REDEEM_OK) {
		redeem_result_free(&res);
		return 0;
	}
	pg_claim_key(res.claim.campaign, res.claim.id, sizeof(res.claim.id),
	    res.claim.hash, sizeof(res.claim.hash), key);
	redeem_result_free(&res);
	if ((ret = pg_open(conninfo, &pg)) < 0 || (ret = pg_redeem(pg, key,
	    node, shop, rq.now, &won, &first)) < 0) {
		rc = cli_reject(cmd, "cannot record the redemption in "
		    "PostgreSQL: %s", pg != NULL ? pg_error(pg) :
		    strerror(-ret));
		pg_close(pg);
		return rc;
	}
	pg_close(pg);
	if (won || (first.node == node && strcmp(first.shop, shop) == 0))
		return 0;
	return cli_reject(cmd, "already redeemed: %s at store %s (node %"
	    PRId64 ")", cli_time(first.time, when), first.shop, first.node);
}

/* claim redeem TOKEN --store ID. */
static int
claim_redeem(const char *cmd, const char *token, const char *shop)
{
	struct redeem_request rq;
	struct redeem_result res;
	struct store *st = NULL;
	struct store_txn t;
	char when[40], from[40];
	int ret, rc;

	memset(&res, 0, sizeof(res));
	if ((rc = cli_store_begin(cmd, 0, &st, &t)) != 0)
		return rc;
	rc = EXIT_REJECTED;
	memset(&rq, 0, sizeof(rq));
	rq.claim_token = token;
	rq.shop_id = shop;
	rq.now = clock_now_us();
	rq.claim_key = NULL;	/* redemption derives no token */
	rq.lookup = claim_lookup;
	rq.tallies = &tallies_store;
	rq.lookup_arg = &t;
	ret = redeem_txn(&t, &rq, &res);
	if (ret == 0 && res.status == REDEEM_OK)
		ret = store_txn_commit(&t);
	else
		store_txn_abort(&t);	/* a refusal changes nothing */
	if (ret == -EAGAIN) {
		cli_reject(cmd, "the ticket's prize stock is leased from "
		    "PostgreSQL and this store holds none of it now: open it "
		    "through a node's server (docs/scale-out.md)");
		goto out;
	}
	if (ret < 0) {
		cli_reject(cmd, "%s", ret == -EIO && res.c == NULL ?
		    "the claim's campaign cannot be read" : store_strerror(ret));
		goto out;
	}
	switch (res.status) {
	case REDEEM_OK:
		printf("redeemed at store %s (%s), %s\n", res.shop.id,
		    res.shop.name, cli_time(rq.now, when));
		claim_print(res.c, &res.claim, rq.now);
		if (res.opened) {
			printf("ticket_draw: %" PRIu64 " outcome %s\n",
			    res.opening.seq, res.opening.outcome ==
			    STORE_OUTCOME_MISS ? "no prize" :
			    res.c->tiers[res.opening.outcome - 1].id);
			if (res.opening.points != 0)
				printf("points_balance: %" PRId64 "\n",
				    res.points_balance);
		}
		rc = 0;
		break;
	case REDEEM_BAD_SHOP:
		if (res.shop.id[0] != '\0' && res.shop.revoked)
			cli_reject(cmd, "store %s is revoked", shop);
		else
			cli_reject(cmd, "no store %s (see 'scanloop store list')",
			    shop);
		break;
	case REDEEM_NOT_FOUND:
		cli_reject(cmd, "no such claim: the token is wrong or unknown");
		break;
	case REDEEM_ALREADY:
		cli_reject(cmd, "already redeemed: %s at store %s",
		    cli_time(res.claim.redeemed, when), res.claim.shop);
		break;
	case REDEEM_EXPIRED:
		cli_reject(cmd, "the claim expired %s",
		    cli_time(res.claim.expires, when));
		break;
	case REDEEM_FORBIDDEN:
		cli_reject(cmd, "campaign %s does not allow store %s to redeem "
		    "its claims", res.claim.campaign, shop);
		break;
	case REDEEM_NOT_YET:
		cli_reject(cmd, "the coupon is valid only from %s",
		    res.c != NULL && res.claim.tier > 0 ?
		    cli_time(res.c->tiers[res.claim.tier - 1].valid_from, from) :
		    "later");
		break;
	default:
		cli_reject(cmd, "refused (status %d)", res.status);
		break;
	}
out:
	redeem_result_free(&res);
	store_close(st);
	return rc;
}

/* claim show TOKEN. */
static int
claim_show(const char *cmd, const char *token)
{
	struct campaign *c = NULL;
	struct store_claim cl;
	struct store *st = NULL;
	struct store_txn t;
	bool found = false;
	int ret, rc;

	if ((rc = cli_store_begin(cmd, STORE_RDONLY, &st, &t)) != 0)
		return rc;
	rc = EXIT_REJECTED;
	ret = token_claim_check_txn(&t, token, &cl, &found);
	if (ret == 0 && found && (ret = campaign_load_txn(&t, cl.campaign,
	    &c, NULL, 0)) == -ENOENT)
		ret = 0;	/* print the claim without its tiers */
	store_txn_abort(&t);
	if (ret < 0)
		cli_reject(cmd, "%s", store_strerror(ret));
	else if (!found)
		cli_reject(cmd, "no such claim: the token is wrong or unknown");
	else {
		claim_print(c, &cl, clock_now_us());
		rc = 0;
	}
	campaign_unref(c, __func__);
	store_close(st);
	return rc;
}

/* Runs the claim command. */
int
cmd_claim(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "pg", required_argument, NULL, 'P' },
		{ "node", required_argument, NULL, 'N' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const subs[] = { "redeem", "show", NULL };
	const char *sub, *token, *shop = NULL, *pg = NULL;
	char cmd[CLI_CMD_MAX];
	uint64_t node = 0;
	int ch, rc;

	if ((sub = cli_subcommand("claim", claim_help, "subcommand", subs,
	    &argc, &argv, cmd, &rc)) == NULL)
		return rc;
	while ((ch = cli_getopt(cmd, claim_help, argc, argv,
	    ":s:P:N:D:h", longopts, &rc)) != -1) {
		switch (ch) {
		case 's':
			shop = optarg;
			break;
		case 'P':
			pg = optarg;
			break;
		case 'N':
			if ((rc = cli_node_arg(cmd, optarg, &node)) != 0)
				return rc;
			break;
		case CLI_OPT_EXIT:
			return rc;
		}
	}
	if ((rc = cli_operand(cmd, "a claim TOKEN", argc, argv, &token)) != 0)
		return rc;
	if (strcmp(sub, "show") == 0) {
		if (shop != NULL || pg != NULL || node != 0)
			return cli_usage(cmd, "--store, --pg and --node belong "
			    "to 'claim redeem'");
		return claim_show(cmd, token);
	}
	if (shop == NULL)
		return cli_usage(cmd, "--store ID is required");
	if (!cli_id_ok(shop))
		return cli_usage(cmd, "'%s' is not a store id", shop);
	if ((pg == NULL) != (node == 0))
		return cli_usage(cmd, "--pg and --node go together");
	if (pg != NULL && (rc = claim_redeem_pg(cmd, token, shop, pg,
	    (int64_t)node)) != 0)
		return rc;
	return claim_redeem(cmd, token, shop);
}
