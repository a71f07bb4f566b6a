/* cmd_shop_code.c — scanloop store code ID: a store's printed check-in
 * code (rewards/checkin.h), as a URL and, with --png, as a QR image. */
#include "tools/cli.h"
#include "codegen/code.h"
#include "codegen/keys.h"
#include "codegen/render.h"
#include "common/fsutil.h"
#include "rewards/checkin.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define SHOP_CODE_MODULE_PX 8

/* The base URL of the newest signing key, for a store code's URL. */
static int
shop_code_base_cb(const struct store_key *k, void *arg)
{
	snprintf(arg, CODE_BASE_URL_MAX + 1, "%s", k->base_url);
	return 0;
}

/* Writes the QR code of url to png (atomically). */
static int
shop_code_png(const char *cmd, const char *url, const char *png)
{
	struct render_opts ro = { SHOP_CODE_MODULE_PX, RENDER_QUIET_ZONE };
	struct buf img = { 0 };
	QRcode *q = NULL;
	int ret;

	if ((ret = render_qr(url, QR_ECLEVEL_M, &q)) < 0 ||
	    (ret = render_png(q, &ro, &img)) < 0) {
		cli_reject(cmd, "cannot render the code: %s", strerror(-ret));
		goto out;
	}
	if ((ret = fsutil_write_atomic(png, img.data, img.len, 0644, 0)) < 0)
		cli_reject(cmd, "cannot write %s: %s", png, strerror(-ret));
out:
	if (q != NULL)
		QRcode_free(q);
	buf_free(&img);
	return ret < 0 ? EXIT_REJECTED : 0;
}

/* store code ID [--png FILE] [--base-url URL]. */
int
cli_shop_code(const char *cmd, const char *id, const char *png,
    const char *base_in)
{
	char base[CODE_BASE_URL_MAX + 1] = "", path[4096];
	char sig[CHECKIN_SIG_CHARS + 1], url[CODE_BASE_URL_MAX + 80];
	struct server_secrets *sec = NULL;
	struct store_shop s;
	struct store *st = NULL;
	struct store_txn t;
	const char *why = NULL;
	uint8_t key[32];
	int ret, rc;

	if (base_in != NULL && code_base_url_normalize(base_in, base,
	    &why) < 0)
		return cli_usage(cmd, "--base-url: %s", why);
	if ((rc = cli_store_begin(cmd, STORE_RDONLY, &st, &t)) != 0)
		return rc;
	rc = EXIT_REJECTED;
	ret = store_shop_get_txn(&t, id, &s);
	if (ret == 0 && base[0] == '\0')
		ret = store_key_foreach_txn(&t, shop_code_base_cb, base);
	store_txn_abort(&t);
	if (ret == -ENOENT) {
		cli_reject(cmd, "no store %s", id);
		goto out;
	}
	if (ret < 0) {
		cli_reject(cmd, "%s", store_strerror(ret));
		goto out;
	}
	if (s.revoked) {
		cli_reject(cmd, "store %s is revoked", id);
		goto out;
	}
	if (base[0] == '\0') {
		cli_reject(cmd, "no signing key names the codes' base URL: give "
		    "--base-url");
		goto out;
	}
	if (!s.has_location)
		fprintf(stderr, "scanloop %s: store %s has no location: its "
		    "code checks in with staff exemption codes only (store add "
		    "--lat --lon)\n", cmd, id);
	if ((ret = cli_dir_private(cli_keys_dir())) < 0) {
		cli_reject(cmd, "cannot create %s: %s", cli_keys_dir(),
		    strerror(-ret));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s", cli_keys_dir(), KEYS_SERVER_FILE);
	if ((ret = keys_server_secrets(path, true, &sec, &why)) < 0) {
		cli_reject(cmd, "%s: %s", path, why);
		goto out;
	}
	checkin_key(sec->claim, key);
	checkin_store_sig(key, id, sig);
	sodium_memzero(key, sizeof(key));
	snprintf(url, sizeof(url), "%s/K/%s/%s", base, id, sig);
	if (png != NULL && (rc = shop_code_png(cmd, url, png)) != 0)
		goto out;
	printf("store: %s\nurl: %s\n", id, url);
	if (png != NULL)
		printf("png: %s\n", png);
	rc = 0;
out:
	keys_server_secrets_free(sec);
	store_close(st);
	return rc;
}
