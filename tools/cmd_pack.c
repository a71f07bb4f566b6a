/* cmd_pack.c — scanloop pack load | unlink | show: which case or pallet
 * holds which items, when a packing line aggregates after printing. */
#include "tools/cli.h"
#include "codegen/pack_csv.h"
#include "codegen/sscc.h"
#include "common/fsutil.h"
#include "store/dealer.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PACK_FILE_MAX (2ULL << 30)	/* bytes of a packing table */

static const char pack_help[] =
"NAME\n"
"     scanloop pack — cases and pallets: what holds what\n"
"\n"
"SYNOPSIS\n"
"     scanloop pack load FILE.csv [--db DIR]\n"
"     scanloop pack unlink --parent CODE [--db DIR]\n"
"     scanloop pack show CODE [--db DIR]\n"
"\n"
"DESCRIPTION\n"
"     load reads a packing table: CSV rows parent,child (a header row\n"
"     parent_serial,child_serial may come first, as in a print job's\n"
"     packing.csv). A parent is a case or pallet code (scanloop mint\n"
"     --case-size), by its URL or its 18-digit SSCC; a child is an item\n"
"     code (URL or 13-character serial) or another case or pallet code.\n"
"     The whole table goes in one transaction, or nothing does: every\n"
"     code must be known to the store (a URL's signature must be the\n"
"     store's), every child named exactly once and held by no other\n"
"     parent, no parent received by a dealer yet, no cycle, at most 8\n"
"     levels; every row ends with a newline (a file cut short is\n"
"     refused). Rows the store holds already are left as they are.\n"
"\n"
"     unlink empties a case or pallet (opened and repacked): its children\n"
"     leave it, in one transaction; a code a dealer received is refused.\n"
"\n"
"     show prints a code: a case or pallet's product, items below it,\n"
"     children, parent, the dealer that received it and its scans; an\n"
"     item's parent and dealer.\n"
"\n"
"OPTIONS\n"
"     -p, --parent CODE    unlink: the case or pallet\n"
"     -D, --db DIR         the store (default ./var/scanloop)\n"
"     -h, --help           this text\n"
"\n"
"EXIT STATUS\n"
"     0 on success, 1 when rejected (nothing changed), 2 on a usage\n"
"     error.\n";

/* pack load FILE. */
static int
pack_load(const char *cmd, const char *path)
{
	struct store_pack_row *rows = NULL;
	struct store *st = NULL;
	char *data = NULL, p[19], c[19];
	const char *why = NULL;
	uint64_t line, added;
	size_t len, n, bad;
	int ret, rc;

	if ((ret = fsutil_read_file(path, PACK_FILE_MAX, &data, &len)) < 0)
		return cli_reject(cmd, "cannot read %s: %s", path,
		    strerror(-ret));
	ret = pack_csv_parse(data, len, &rows, &n, &line, &why);
	free(data);
	if (ret < 0)
		return cli_reject(cmd, "%s, line %llu: %s; nothing was loaded",
		    path, (unsigned long long)line, why);
	if ((rc = cli_store_open(cmd, 0, &st)) != 0) {
		free(rows);
		return rc;
	}
	ret = store_pack_load(st, rows, n, &bad, &added, &why);
	store_close(st);
	if (ret == -EINVAL) {
		pack_ref_text(&rows[bad].parent, p);
		pack_ref_text(&rows[bad].child, c);
		rc = cli_reject(cmd, "%s, line %llu (%s,%s): %s; nothing was "
		    "loaded", path, (unsigned long long)rows[bad].line, p, c,
		    why);
	} else if (ret < 0)
		rc = cli_reject(cmd, "%s: %s; nothing was loaded", why,
		    store_strerror(ret));
	else {
		printf("loaded %zu rows: %llu new, %llu already in the store\n",
		    n, (unsigned long long)added,
		    (unsigned long long)(n - added));
		rc = 0;
	}
	free(rows);
	return rc;
}

/* Reads a case or pallet code given on the command line. */
static int
pack_agg_arg(const char *cmd, const char *text, uint64_t *sscc)
{
	struct store_pack_ref r;
	const char *why;

	if (pack_ref_parse(text, strlen(text), &r, &why) < 0)
		return cli_usage(cmd, "'%s': %s", text, why);
	if (r.kind != STORE_PACK_AGG)
		return cli_usage(cmd, "'%s' is not a case or pallet code", text);
	*sscc = sscc_id_to_u64(r.id);
	return 0;
}

/* pack unlink --parent CODE. */
static int
pack_unlink(const char *cmd, uint64_t sscc)
{
	struct store *st = NULL;
	char text[SSCC_LEN + 1];
	uint64_t n;
	int ret, rc;

	sscc_from_u64(sscc, text);
	if ((rc = cli_store_open(cmd, 0, &st)) != 0)
		return rc;
	ret = store_pack_unlink(st, sscc, &n);
	store_close(st);
	if (ret == -ENOENT)
		return cli_reject(cmd, "no case or pallet %s", text);
	if (ret == -EBUSY)
		return cli_reject(cmd, "%s was received by a dealer: it cannot "
		    "be repacked", text);
	if (ret < 0)
		return cli_reject(cmd, "%s", store_strerror(ret));
	printf("%s: %llu children unlinked\n", text, (unsigned long long)n);
	return 0;
}

/* Prints a code's parent, if any. */
static int
pack_print_parent(struct store_txn *t, const struct store_pack_ref *r)
{
	char text[SSCC_LEN + 1];
	uint64_t parent;
	int ret;

	if ((ret = store_pack_parent_txn(t, r, &parent)) == -ENOENT) {
		printf("parent: none\n");
		return 0;
	}
	if (ret < 0)
		return ret;
	sscc_from_u64(parent, text);
	printf("parent: %s\n", text);
	return 0;
}

/* Prints an aggregate. */
static int
pack_show_agg(struct store_txn *t, const struct store_pack_ref *r)
{
	char text[SSCC_LEN + 1], when[40];
	struct store_agg a;
	uint64_t sscc = sscc_id_to_u64(r->id);
	int ret;

	if ((ret = store_agg_get_txn(t, sscc, &a)) < 0)
		return ret;
	sscc_from_u64(sscc, text);
	printf("sscc: %s\nlevel: %s\nbatch: %u\nproduct: %s%s\nitems: %llu\n"
	    "children: %llu\n", text, a.level == STORE_AGG_PALLET ? "pallet" :
	    "case", a.batch_id, a.gtin[0] != '\0' ? a.gtin : "-",
	    a.flags & STORE_AGG_F_MIXED ? " (mixed)" : "",
	    (unsigned long long)a.items, (unsigned long long)a.children);
	if ((ret = pack_print_parent(t, r)) < 0)
		return ret;
	if (a.received != 0)
		printf("received: %s by %s\n", cli_time(a.received, when),
		    a.dealer);
	else
		printf("received: no\n");
	printf("scans: %llu\n", (unsigned long long)a.scans);
	return 0;
}

/* Prints an item. */
static int
pack_show_item(struct store_txn *t, const struct store_pack_ref *r)
{
	char text[SSCC_LEN + 1], when[40];
	struct store_binding b;
	struct store_code c;
	int ret;

	if ((ret = store_code_get_txn(t, r->id, &c)) < 0)
		return ret;
	code_serial_text(r->id, text);
	printf("serial: %s\nbatch: %u\n", text, c.batch_id);
	if ((ret = pack_print_parent(t, r)) < 0)
		return ret;
	if ((ret = store_binding_get_txn(t, r->id, &b)) == -ENOENT) {
		printf("dealer: none\n");
		return 0;
	}
	if (ret < 0)
		return ret;
	sscc_from_u64(b.sscc, text);
	printf("dealer: %s\nreceived: %s under %s\n", b.dealer,
	    cli_time(b.time, when), text);
	return 0;
}

/* pack show CODE. */
static int
pack_show(const char *cmd, const char *code)
{
	struct store_pack_ref r;
	struct store *st = NULL;
	struct store_txn t;
	const char *why;
	int ret, rc;

	if (pack_ref_parse(code, strlen(code), &r, &why) < 0)
		return cli_usage(cmd, "'%s': %s", code, why);
	if ((rc = cli_store_open(cmd, STORE_RDONLY, &st)) != 0)
		return rc;
	if ((ret = store_txn_begin(st, true, &t)) == 0) {
		ret = r.kind == STORE_PACK_AGG ? pack_show_agg(&t, &r) :
		    pack_show_item(&t, &r);
		store_txn_abort(&t);
	}
	store_close(st);
	if (ret == -ENOENT)
		return cli_reject(cmd, "no such code: %s", code);
	if (ret < 0)
		return cli_reject(cmd, "%s", store_strerror(ret));
	return 0;
}

/* Runs the pack command. */
int
cmd_pack(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "parent", required_argument, NULL, 'p' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const subs[] = { "load", "unlink", "show", NULL };
	const char *sub, *arg, *parent = NULL;
	char cmd[CLI_CMD_MAX];
	uint64_t sscc = 0;
	int ch, rc;

	if ((sub = cli_subcommand("pack", pack_help, "subcommand", subs,
	    &argc, &argv, cmd, &rc)) == NULL)
		return rc;
	while ((ch = cli_getopt(cmd, pack_help, argc, argv, ":p:D:h",
	    longopts, &rc)) != -1) {
		switch (ch) {
		case 'p':
			parent = optarg;
			break;
		case CLI_OPT_EXIT:
			return rc;
		}
	}
	if (strcmp(sub, "unlink") != 0 && parent != NULL)
		return cli_usage(cmd, "--parent belongs to 'pack unlink'");
	if ((rc = cli_operand(cmd, strcmp(sub, "load") == 0 ? "a CSV file" :
	    strcmp(sub, "show") == 0 ? "a code" : NULL, argc, argv,
	    &arg)) != 0)
		return rc;
	if (strcmp(sub, "load") == 0)
		return pack_load(cmd, arg);
	if (strcmp(sub, "show") == 0)
		return pack_show(cmd, arg);
	if (parent == NULL)
		return cli_usage(cmd, "--parent CODE is required");
	if ((rc = pack_agg_arg(cmd, parent, &sscc)) != 0)
		return rc;
	return pack_unlink(cmd, sscc);
}
