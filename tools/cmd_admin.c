/* cmd_admin.c — scanloop admin token new | list | revoke: the tokens of
 * the scan server's admin API (GET /admin/export/...). */
#include "tools/cli.h"
#include "common/clock.h"
#include "rewards/token.h"

#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define ADMIN_TOKEN_TRIES 8

static const char admin_help[] =
"NAME\n"
"     scanloop admin — tokens of the scan server's admin API\n"
"\n"
"SYNOPSIS\n"
"     scanloop admin token new [--name NAME] [--db DIR]\n"
"     scanloop admin token list [--db DIR]\n"
"     scanloop admin token revoke ID [--db DIR]\n"
"\n"
"DESCRIPTION\n"
"     new makes a token and prints it once: an admin sends it as\n"
"     'Authorization: Bearer TOKEN' to the server's admin API, e.g.\n"
"     GET /admin/export/scans?since=ID&format=jsonl (docs/export.md). The\n"
"     store keeps only its selector (its first 8 characters, the token's\n"
"     ID) and a hash, so a lost token cannot be shown again: revoke it\n"
"     and make another. NAME (default \"admin\", up to 64 bytes of UTF-8)\n"
"     says whose it is.\n"
"\n"
"     list prints each token: ID, state (active, revoked), created, name;\n"
"     never the token. revoke ID refuses the token from the next request\n"
"     on (an export already streaming runs to its end).\n"
"\n"
"OPTIONS\n"
"     -n, --name NAME      whose token it is\n"
"     -D, --db DIR         the store (default ./var/scanloop)\n"
"     -h, --help           this text\n"
"\n"
"EXIT STATUS\n"
"     0 on success, 1 when rejected (no such token...), 2 on a usage\n"
"     error.\n";

/* admin token new. */
static int
admin_new(const char *cmd, const char *name)
{
	char token[TOKEN_ADMIN_CHARS + 1], id[TOKEN_SELECTOR_CHARS + 1];
	struct store_admin_token a;
	struct store *st = NULL;
	struct store_txn t;
	int ret = -EAGAIN, rc;

	if ((rc = cli_store_open(cmd, 0, &st)) != 0)
		return rc;
	for (int i = 0; i < ADMIN_TOKEN_TRIES && ret == -EAGAIN; i++) {
		memset(&a, 0, sizeof(a));
		snprintf(a.name, sizeof(a.name), "%s", name);
		a.created = clock_now_us();
		if ((ret = store_txn_begin(st, false, &t)) < 0)
			break;
		token_admin_new(&a, token);
		if ((ret = store_admin_token_add_txn(&t, &a)) == 0)
			ret = store_txn_commit(&t);
		else
			store_txn_abort(&t);	/* a taken selector: redraw */
	}
	store_close(st);
	if (ret < 0) {
		sodium_memzero(token, sizeof(token));
		return cli_reject(cmd, "cannot add a token: %s",
		    store_strerror(ret));
	}
	token_selector_text(a.selector, id);
	printf("id: %s\nname: %s\ntoken: %s\n", id, a.name, token);
	fprintf(stderr, "scanloop %s: the token is shown only now: the store "
	    "keeps just its hash. If it is lost, revoke it and make a new "
	    "one.\n", cmd);
	sodium_memzero(token, sizeof(token));
	return 0;
}

/* Prints one token. */
static int
admin_list_cb(const struct store_admin_token *a, void *arg)
{
	char id[TOKEN_SELECTOR_CHARS + 1], when[40];

	(void)arg;
	token_selector_text(a->selector, id);
	printf("%-8s %-8s %-24s %s\n", id, a->revoked ? "revoked" : "active",
	    cli_time(a->created, when), a->name);
	return 0;
}

/* admin token list. */
static int
admin_list(const char *cmd)
{
	struct store *st = NULL;
	struct store_txn t;
	int ret, rc;

	if ((rc = cli_store_begin(cmd, STORE_RDONLY, &st, &t)) != 0)
		return rc;
	printf("%-8s %-8s %-24s %s\n", "id", "state", "created", "name");
	ret = store_admin_token_foreach_txn(&t, admin_list_cb, NULL);
	store_txn_abort(&t);
	store_close(st);
	return ret < 0 ? cli_reject(cmd, "%s", store_strerror(ret)) : 0;
}

/* admin token revoke ID. */
static int
admin_revoke(const char *cmd, const char *id)
{
	uint8_t sel[TOKEN_SELECTOR_BYTES];
	struct store_admin_token a;
	struct store *st = NULL;
	struct store_txn t;
	int ret, rc;

	if (strlen(id) != TOKEN_SELECTOR_CHARS ||
	    token_selector_parse(id, sel) < 0)
		return cli_usage(cmd, "'%s' is not a token ID (the 8 characters "
		    "'admin token list' shows)", id);
	if ((rc = cli_store_begin(cmd, 0, &st, &t)) != 0)
		return rc;
	if ((ret = store_admin_token_get_txn(&t, sel, &a)) == 0 &&
	    !a.revoked) {
		a.revoked = 1;
		a.revoked_at = clock_now_us();
		if ((ret = store_admin_token_put_txn(&t, &a)) == 0) {
			ret = store_txn_commit(&t);
			goto done;
		}
	}
	store_txn_abort(&t);
done:
	store_close(st);
	if (ret == -ENOENT)
		return cli_reject(cmd, "no token %s", id);
	if (ret < 0)
		return cli_reject(cmd, "%s", store_strerror(ret));
	printf("token %s is revoked\n", id);
	return 0;
}

/* Runs the admin command. */
int
cmd_admin(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const tools[] = { "token", NULL };
	static const char *const subs[] = { "new", "list", "revoke", NULL };
	const char *sub, *arg, *name = NULL;
	char cmd[CLI_CMD_MAX], tool[CLI_CMD_MAX];
	int ch, rc;

	if (cli_subcommand("admin", admin_help, "subcommand", tools, &argc,
	    &argv, tool, &rc) == NULL)
		return rc;
	if ((sub = cli_subcommand(tool, admin_help, "subcommand", subs,
	    &argc, &argv, cmd, &rc)) == NULL)
		return rc;
	while ((ch = cli_getopt(cmd, admin_help, argc, argv, ":n:D:h",
	    longopts, &rc)) != -1) {
		switch (ch) {
		case 'n':
			name = optarg;
			break;
		case CLI_OPT_EXIT:
			return rc;
		}
	}
	if (name != NULL && strcmp(sub, "new") != 0)
		return cli_usage(cmd, "--name belongs to 'admin token new'");
	if ((rc = cli_operand(cmd, strcmp(sub, "revoke") == 0 ?
	    "a token ID" : NULL, argc, argv, &arg)) != 0)
		return rc;
	if (strcmp(sub, "list") == 0)
		return admin_list(cmd);
	if (strcmp(sub, "revoke") == 0)
		return admin_revoke(cmd, arg);
	if (name == NULL)
		name = "admin";
	if (*name == '\0' || strlen(name) > STORE_NAME_MAX ||
	    !cli_text_ok(name))
		return cli_usage(cmd, "--name must be 1 to %d bytes of UTF-8 "
		    "text", STORE_NAME_MAX);
	return admin_new(cmd, name);
}
