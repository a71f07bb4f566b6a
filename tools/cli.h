/*
 * cli.h — what the scanloop subcommands share: exit codes, the store
 * location, strict number parsing and error lines.
 *
 * Exit status: 0 success, 1 a rejected request (bad code, missing key,
 * unwritable directory…), 2 a usage error (unknown flag, garbage value).
 */
#ifndef SCANLOOP_CLI_H
#define SCANLOOP_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define EXIT_REJECTED 1
#define EXIT_USAGE 2

struct cli_cmd {
	const char *name;
	const char *summary;
	int (*exec)(int argc, char **argv);
};

/* Sets the store directory (from --db). */
void cli_set_db(const char *dir);
/* The store directory: --db, else $SCANLOOP_DB, else ./var/scanloop. */
const char *cli_db(void);
/* The server's secrets directory (server.secret, what serve reads):
 * $SCANLOOP_KEYS, else a "keys" directory beside the store (so copying
 * the store copies no secret). */
const char *cli_keys_dir(void);
/* Sets the signing keys' directory (from --secret-keys). */
void cli_set_secret_keys(const char *dir);
/* The signing keys' directory, which only key and mint read: --secret-keys,
 * else $SCANLOOP_SECRET_KEYS, else "secret-keys" beside the store. */
const char *cli_secret_keys_dir(void);
/* Path of the secret file of key id (static buffer). */
const char *cli_key_path(unsigned id);
/* Path of the passphrase file `key new` made for key id (static buffer). */
const char *cli_key_pass_path(unsigned id);
/* Where key id's secret was before signing keys had their own directory:
 * KEYS/key-N.secret (static buffer). */
const char *cli_key_old_path(unsigned id);
struct keypair;
/* Loads a signing key file with the passphrase of passfile, or else of the
 * passphrase file beside it (key-N.pass for key-N.secret) when there is
 * one. Returns 0 or an exit code after an error line. */
int cli_key_load(const char *cmd, const char *keyfile, const char *passfile,
    struct keypair **kp);
/* Loads the secret of key id of the store: keyfile, or else its file in
 * the signing keys' directory, with the passphrase as cli_key_load; the
 * key must match the store's record (*key). Returns 0 or an exit code
 * after an error line. */
int cli_signing_key(const char *cmd, struct store *st, uint8_t id,
    const char *keyfile, const char *passfile, struct store_key *key,
    struct keypair **kp);
/* Creates dir with mode 0700, or takes group and other access away from
 * an existing one. Returns 0 or a negative errno. */
int cli_dir_private(const char *dir);
/* Prints "scanloop CMD: message" and a hint; returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints "scanloop CMD: message"; returns EXIT_REJECTED. */
int cli_reject(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Parses a decimal integer in [min, max]: digits only, no sign. */
bool cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Opens the store, printing a clear error; returns 0 or an exit code. */
int cli_store_open(const char *cmd, int flags, struct store **st);
/* scanloop store code ID: prints (and with png writes as a QR image) the
 * store's check-in code (cmd_shop_code.c); base_url NULL: the newest
 * key's. Returns an exit status. */
int cli_shop_code(const char *cmd, const char *id, const char *png,
    const char *base_url);
/* Opens the store and begins a transaction in it (read-only with
 * STORE_RDONLY), printing a clear error; returns 0 or an exit code (the
 * store closed). */
int cli_store_begin(const char *cmd, int flags, struct store **st,
    struct store_txn *t);
/* Opens the store read-only and runs fn in one read transaction: returns
 * an exit code (> 0) when the store cannot be opened (said already),
 * else what fn or the transaction's start returned (0 or a negative
 * errno). */
int cli_store_read(const char *cmd, int (*fn)(struct store_txn *, void *),
    void *arg);
/* Reports an option getopt_long rejected; returns EXIT_USAGE. */
int cli_getopt_error(const char *cmd, int ch, char **argv);
/* What cli_getopt returns when the subcommand should return *rc. */
#define CLI_OPT_EXIT 0
/* getopt_long for a subcommand (optstring starts with ':' and holds "D:h",
 * longopts "db" and "help"): sets the store directory for --db itself,
 * prints help for -h and reports an option getopt_long rejected. Returns
 * the subcommand's next own option, -1 after the last, or CLI_OPT_EXIT
 * with *rc set (0 after the help, EXIT_USAGE after an error). */
int cli_getopt(const char *cmd, const char *help, int argc, char **argv,
    const char *optstring, const struct option *longopts, int *rc);
/* Prints help text to stdout. */
void cli_print_help(const char *text);
/* Resets getopt for a subcommand's own options. */
void cli_getopt_reset(void);
#define CLI_CMD_MAX 32			/* "campaign reveal" and the like */
/* Starts "scanloop TOOL SUB [options]": prints help for no argument, -h
 * or --help, and refuses a SUB not in subs (NULL-terminated; what names
 * them in the message: "subcommand"). Otherwise names the command in cmd
 * ("claim redeem"), drops TOOL from argc and argv (argv[0] is then SUB, as
 * getopt wants), resets getopt and returns SUB. Returns NULL, with the
 * exit status in *rc, when the caller should return. */
const char *cli_subcommand(const char *tool, const char *help,
    const char *what, const char *const subs[], int *argc, char ***argv,
    char cmd[CLI_CMD_MAX], int *rc);
/* Takes the operands left after getopt_long: exactly one when what names
 * it (for the message when it is missing: "a batch ID"), none when what is
 * NULL. Sets *arg to it (NULL for none); returns 0 or EXIT_USAGE. */
int cli_operand(const char *cmd, const char *what, int argc, char **argv,
    const char **arg);
/* Formats Unix microseconds for tables ("2026-11-23 22:55:00 UTC"). */
const char *cli_time(int64_t us, char buf[40]);

/* True when s is valid UTF-8 without control characters. */
bool cli_text_ok(const char *s);

/* Subcommands. */
int cmd_key(int argc, char **argv);
int cmd_mint(int argc, char **argv);
int cmd_batch(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_job(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_scans(int argc, char **argv);
int cmd_campaign(int argc, char **argv);
int cmd_shop(int argc, char **argv);	/* "scanloop store" */
int cmd_claim(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_admin(int argc, char **argv);
int cmd_prune(int argc, char **argv);
int cmd_signals(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_dealer(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_settle(int argc, char **argv);
int cmd_pg(int argc, char **argv);
/* --node N of the PostgreSQL options (cmd_pg.c): 0 or a usage status. */
int cli_node_arg(const char *cmd, const char *arg, uint64_t *node);
/* campaign reconcile (cmd_pg.c). */
int cli_campaign_reconcile(const char *cmd, const char *id,
    const char *conninfo, int64_t node, bool give_back);

/* Rewards helpers (tools/cmd_shop.c). */
/* True for a campaign or store id: 1 to 32 of [A-Za-z0-9_-]. */
bool cli_id_ok(const char *s);

#endif
