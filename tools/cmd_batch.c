/* cmd_batch.c — scanloop batch list | show | activate | void | region. */
#include "tools/cli.h"
#include "analytics/signals.h"
#include "codegen/code.h"
#include "codegen/render.h"
#include "codegen/serial_list.h"
#include "common/clock.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char batch_help[] =
"NAME\n"
"     scanloop batch — list, show, activate and void batches\n"
"\n"
"SYNOPSIS\n"
"     scanloop batch list [--db DIR]\n"
"     scanloop batch show ID [--db DIR]\n"
"     scanloop batch activate ID [--db DIR]\n"
"     scanloop batch void ID --serials FILE [--reason R] [--db DIR]\n"
"     scanloop batch void ID --all [--reason R] [--db DIR]\n"
"     scanloop batch region ID --circle LAT,LON,KM [--circle ...] [--db DIR]\n"
"     scanloop batch region ID --clear [--db DIR]\n"
"\n"
"DESCRIPTION\n"
"     A new batch is ready but not active: its codes scan as 'not yet\n"
"     activated' until 'batch activate', typically once the goods ship.\n"
"\n"
"     batch void marks spoiled labels void, as reported by the line's\n"
"     camera: FILE holds one serial or code URL a line ('-' for stdin;\n"
"     blank lines and lines starting with '#' are skipped). Every line\n"
"     must name a code of this batch, or nothing changes. --all voids the\n"
"     whole batch (lost or stolen stock). Void codes scan as void.\n"
"\n"
"     batch region binds a batch to its sales region: up to 32 circles\n"
"     (degrees, kilometres), replacing any it had; --clear removes it. A\n"
"     located human scan of one of its codes outside every circle raises\n"
"     a diversion signal (scanloop signals, docs/signals.md).\n"
"\n"
"OPTIONS\n"
"     -s, --serials FILE   serials or URLs to void, one a line\n"
"     -a, --all            void every code of the batch\n"
"     -r, --reason R       misprint (default), damaged, lost, stolen, other\n"
"     -c, --circle C       region: LAT,LON,KM, e.g. 31.23,121.47,300\n"
"         --clear          region: remove the batch's region\n"
"     -D, --db DIR         the store (default ./var/scanloop)\n"
"     -h, --help           this text\n"
"\n"
"EXIT STATUS\n"
"     0 on success, 1 when rejected (unknown batch, serial of another\n"
"     batch...), 2 on a usage error.\n";

/* Prints one batch row. */
static int
batch_list_cb(const struct store_batch *b, void *arg)
{
	char when[40];

	(void)arg;
	printf("%-6u %-8s %-14s %-4u %-10llu %-8llu %-24s %s\n", b->id,
	    store_batch_state_name(b->state), b->gtin, b->key_id,
	    (unsigned long long)b->count, (unsigned long long)b->voided,
	    cli_time(b->created, when), b->line);
	return 0;
}

/* Prints one batch in full. */
static void
batch_print(const struct store_batch *b)
{
	char when[40];

	printf("batch: %u\nstate: %s\nproduct: %s\nkey_id: %u\nscheme: %s\n"
	    "count: %llu\nvoided: %llu\n", b->id,
	    store_batch_state_name(b->state), b->gtin, b->key_id,
	    code_scheme_name(b->scheme), (unsigned long long)b->count,
	    (unsigned long long)b->voided);
	printf("created: %s\n", cli_time(b->created, when));
	printf("activated: %s\n", cli_time(b->activated, when));
	if (b->state == STORE_BATCH_VOID)
		printf("void: %s, %s\n", store_void_reason_name(b->void_reason),
		    cli_time(b->voided_at, when));
	printf("line: %s\nqr: version %u, ECC %s\n", b->line[0] ? b->line : "-",
	    b->qr_version, render_ecc_name((QRecLevel)b->ecc));
	if (b->flags & STORE_BATCH_F_DRAW_CODES)
		printf("draw_codes: yes\n");
}

/* Prints a batch's sales region, if it has one. */
static int
batch_print_region(struct store_txn *t, uint32_t id)
{
	struct store_circle c[STORE_REGION_MAX];
	size_t n;
	int ret;

	if ((ret = store_region_get_txn(t, id, c, &n)) == -ENOENT)
		return 0;
	for (size_t i = 0; i < n && ret == 0; i++)
		printf("region: %.6g,%.6g,%.6g\n", c[i].lat, c[i].lon, c[i].km);
	return ret;
}

/* Sets or clears a batch's sales region. */
static int
batch_region(const char *cmd, struct store *st, uint32_t id,
    const struct store_circle *c, size_t n)
{
	struct store_batch b;
	struct store_txn t;
	int ret;

	if ((ret = store_txn_begin(st, false, &t)) < 0)
		return cli_reject(cmd, "%s", store_strerror(ret));
	if ((ret = store_batch_get_txn(&t, id, &b)) == 0) {
		ret = store_region_put_txn(&t, id, c, n);
		if (ret == -ENOENT && n == 0)
			ret = 0;	/* cleared already */
	}
	if (ret == 0)
		ret = store_txn_commit(&t);
	else
		store_txn_abort(&t);
	if (ret == -ENOENT)
		return cli_reject(cmd, "no batch %u", id);
	if (ret < 0)
		return cli_reject(cmd, "%s", store_strerror(ret));
	if (n == 0)
		printf("batch %u has no sales region\n", id);
	else
		printf("batch %u: sales region of %zu circle%s\n", id, n,
		    n == 1 ? "" : "s");
	return 0;
}

/* Reads serials (or code URLs) from a file, one a line. */
static int
batch_read_serials(const char *cmd, const char *path,
    uint8_t (**out)[STORE_SERIAL_BYTES], size_t *n)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	const char *why;
	size_t lineno;
	int ret;

	if (f == NULL)
		return cli_reject(cmd, "cannot read %s: %s", path,
		    strerror(errno));
	ret = serial_list_read(f, out, n, &lineno, &why);
	if (f != stdin)
		fclose(f);
	if (ret == -EINVAL)
		return cli_reject(cmd, "%s line %zu: not a code: %s", path,
		    lineno, why);
	if (ret == -EIO)
		return cli_reject(cmd, "cannot read %s: %s", path,
		    strerror(errno));
	if (ret < 0)
		return cli_reject(cmd, "%s: %s", path, strerror(-ret));
	if (*n == 0)
		return cli_reject(cmd, "%s names no serials", path);
	return 0;
}

/* Runs the batch command. */
int
cmd_batch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "serials", required_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'a' },
		{ "reason", required_argument, NULL, 'r' },
		{ "circle", required_argument, NULL, 'c' },
		{ "clear", no_argument, NULL, 'C' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const subs[] = { "list", "show", "activate", "void",
	    "region", NULL };
	struct store_circle circles[STORE_REGION_MAX];
	size_t ncircles = 0;
	bool clear = false;
	const char *sub, *arg, *serials = NULL, *reason_name = NULL;
	uint8_t (*list)[STORE_SERIAL_BYTES] = NULL;
	struct store *st = NULL;
	struct store_batch b;
	struct store_txn t;
	bool all = false;
	uint64_t id = 0;
	int reason = STORE_VOID_MISPRINT;
	char cmd[CLI_CMD_MAX];
	size_t n = 0;
	int ch, ret, rc;

	if ((sub = cli_subcommand("batch", batch_help, "subcommand", subs,
	    &argc, &argv, cmd, &rc)) == NULL)
		return rc;
	while ((ch = cli_getopt(cmd, batch_help, argc, argv,
	    ":s:ar:c:D:h", longopts, &rc)) != -1) {
		const char *why;

		switch (ch) {
		case 'c':
			if (ncircles == STORE_REGION_MAX)
				return cli_usage(cmd, "at most %d circles",
				    STORE_REGION_MAX);
			if (signals_circle_parse(optarg, &circles[ncircles],
			    &why) < 0)
				return cli_usage(cmd, "--circle '%s': %s", optarg,
				    why);
			ncircles++;
			break;
		case 'C':
			clear = true;
			break;
		case 's':
			serials = optarg;
			break;
		case 'a':
			all = true;
			break;
		case 'r':
			reason_name = optarg;
			if ((reason = store_void_reason_parse(optarg)) < 0)
				return cli_usage(cmd, "unknown reason '%s' "
				    "(misprint, damaged, lost, stolen, other)",
				    optarg);
			break;
		case CLI_OPT_EXIT:
			return rc;
		}
	}
	if ((rc = cli_operand(cmd, strcmp(sub, "list") == 0 ? NULL :
	    "a batch ID", argc, argv, &arg)) != 0)
		return rc;
	if (arg != NULL && !cli_parse_u64(arg, 1, UINT32_MAX, &id))
		return cli_usage(cmd, "'%s' is not a batch ID", arg);
	if (strcmp(sub, "void") != 0 && (serials || all || reason_name))
		return cli_usage(cmd, "--serials, --all and --reason belong to "
		    "'batch void'");
	if (strcmp(sub, "void") == 0 && (serials != NULL) == all)
		return cli_usage(cmd, "give either --serials FILE or --all");
	if (strcmp(sub, "region") != 0 && (ncircles > 0 || clear))
		return cli_usage(cmd, "--circle and --clear belong to "
		    "'batch region'");
	if (strcmp(sub, "region") == 0 && (ncircles > 0) == clear)
		return cli_usage(cmd, "give --circle LAT,LON,KM (one or more) "
		    "or --clear");

	if (strcmp(sub, "void") == 0 && serials != NULL &&
	    (rc = batch_read_serials(cmd, serials, &list, &n)) != 0)
		return rc;
	if ((rc = cli_store_open(cmd, strcmp(sub, "list") == 0 ||
	    strcmp(sub, "show") == 0 ? STORE_RDONLY : 0, &st)) != 0)
		goto out;
	rc = EXIT_REJECTED;
	if (strcmp(sub, "list") == 0 || strcmp(sub, "show") == 0) {
		if ((ret = store_txn_begin(st, true, &t)) < 0) {
			cli_reject(cmd, "%s", store_strerror(ret));
			goto out;
		}
		if (strcmp(sub, "list") == 0) {
			printf("%-6s %-8s %-14s %-4s %-10s %-8s %-24s %s\n", "id",
			    "state", "product", "key", "count", "voided",
			    "created", "line");
			ret = store_batch_foreach_txn(&t, batch_list_cb, NULL);
		} else if ((ret = store_batch_get_txn(&t, (uint32_t)id, &b)) == 0) {
			batch_print(&b);
			ret = batch_print_region(&t, (uint32_t)id);
		}
		store_txn_abort(&t);
		if (ret == -ENOENT)
			cli_reject(cmd, "no batch %llu", (unsigned long long)id);
		else if (ret < 0)
			cli_reject(cmd, "%s", store_strerror(ret));
		else
			rc = 0;
		goto out;
	}
	if (strcmp(sub, "region") == 0) {
		rc = batch_region(cmd, st, (uint32_t)id, circles, ncircles);
		goto out;
	}
	if (strcmp(sub, "activate") == 0) {
		ret = store_batch_activate(st, (uint32_t)id, clock_now_us(), &b);
		if (ret == 0) {
			printf("batch %u is active: its %llu codes scan as "
			    "genuine\n", b.id, (unsigned long long)b.count);
			rc = 0;
		} else if (ret == -ENOENT)
			cli_reject(cmd, "no batch %llu", (unsigned long long)id);
		else if (ret == -EPERM)
			cli_reject(cmd, "batch %llu is void and cannot be "
			    "activated", (unsigned long long)id);
		else
			cli_reject(cmd, "%s", store_strerror(ret));
		goto out;
	}
	/* void */
	if (all) {
		ret = store_batch_void(st, (uint32_t)id, reason, clock_now_us());
		if (ret == 0) {
			printf("batch %llu is void (%s)\n", (unsigned long long)id,
			    store_void_reason_name(reason));
			rc = 0;
		} else if (ret == -ENOENT)
			cli_reject(cmd, "no batch %llu", (unsigned long long)id);
		else
			cli_reject(cmd, "%s", store_strerror(ret));
		goto out;
	} else {
		uint64_t newly = 0;
		size_t bad = 0;
		char text[CODE_SERIAL_CHARS + 1];

		ret = store_codes_void(st, (uint32_t)id,
		    (const uint8_t (*)[STORE_SERIAL_BYTES])list, n, reason,
		    clock_now_us(), &bad, &newly);
		if (ret == 0) {
			printf("voided %llu codes of batch %llu (%s); %llu were "
			    "already void\n", (unsigned long long)newly,
			    (unsigned long long)id, store_void_reason_name(reason),
			    (unsigned long long)(n - newly));
			rc = 0;
		} else if (ret == -ENOENT && bad < n) {
			code_serial_text(list[bad], text);
			cli_reject(cmd, "serial %s is not in the store; nothing "
			    "was voided", text);
		} else if (ret == -EXDEV) {
			code_serial_text(list[bad], text);
			cli_reject(cmd, "serial %s belongs to another batch; "
			    "nothing was voided", text);
		} else if (ret == -ENOENT)
			cli_reject(cmd, "no batch %llu", (unsigned long long)id);
		else
			cli_reject(cmd, "%s", store_strerror(ret));
	}
out:
	free(list);
	store_close(st);
	return rc;
}
