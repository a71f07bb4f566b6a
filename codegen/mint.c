/* mint.c — the batch minting pipeline. */
#include "codegen/mint.h"
#include "codegen/mint_internal.h"
#include "codegen/job.h"
#include "codegen/render.h"
#include "common/buf.h"
#include "common/clock.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MINT_BLOCK 256			/* codes per unit of work */
#define MINT_INFLIGHT_PER_THREAD 4	/* blocks ahead of the writer */
#define MINT_EXIST_CHUNK 65536		/* lookups per read transaction */
#define MINT_PROGRESS_US 200000

/* A serial and its print position, sorted by serial. */
struct mint_entry {
	uint8_t serial[CODE_SERIAL_BYTES];
	uint32_t seq;
	uint32_t redraw;
};
static_assert(sizeof(struct mint_entry) == 16, "mint_entry is 16 bytes");

/* One block's output, handed from a worker to the writer. */
struct mint_slot {
	uint64_t block;
	bool done;
	int ret;
	int qr_version;
	struct buf csv;
	struct buf draw_csv;	/* draw-codes.csv lines */
	struct buf images;	/* sealed: [u16 name len][name][u32 len][data] */
};

struct mint_ctx {
	const struct mint_params *p;
	struct job *job;
	uint8_t (*serials)[CODE_SERIAL_BYTES];	/* by seq */
	uint8_t (*checks)[CODE_CHECK_BYTES];	/* by seq */
	struct store_drawcode_entry *draws;	/* by seq, with draw codes */
	uint64_t nblocks;
	pthread_mutex_t mu;
	pthread_cond_t cond_done;
	pthread_cond_t cond_space;
	uint64_t next_block;
	uint64_t written;	/* blocks the writer has consumed */
	struct mint_slot *slots;
	size_t nslots;
	int error;
	const char *why;
};

/* LSD radix sort of entries by serial (8 passes of one byte). */
static void
mint_radix_sort(struct mint_entry *a, struct mint_entry *tmp, size_t n)
{
	for (int byte = CODE_SERIAL_BYTES - 1; byte >= 0; byte--) {
		size_t count[256] = { 0 }, pos = 0;

		for (size_t i = 0; i < n; i++)
			count[a[i].serial[byte]]++;
		for (int b = 0; b < 256; b++) {
			size_t c = count[b];

			count[b] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[a[i].serial[byte]]++] = a[i];
		memcpy(a, tmp, n * sizeof(*a));
	}
}

/* Draws serials until all are distinct and new to the store; leaves the
 * entries sorted by serial. */
static int
mint_draw_serials(struct mint_ctx *c, struct mint_entry *e)
{
	const struct mint_params *p = c->p;
	struct mint_entry *tmp;
	uint8_t (*keys)[CODE_SERIAL_BYTES] = NULL;
	bool *exists = NULL;
	int ret = 0;

	tmp = malloc(p->count * sizeof(*tmp));
	keys = malloc(MINT_EXIST_CHUNK * sizeof(*keys));
	exists = malloc(MINT_EXIST_CHUNK * sizeof(*exists));
	if (tmp == NULL || keys == NULL || exists == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	randombytes_buf(c->serials, p->count * CODE_SERIAL_BYTES);
	for (int round = 0;; round++) {
		uint64_t redraws = 0;

		if (round > 16) {	/* would take a broken CSPRNG */
			c->why = "cannot draw unique serials";
			ret = -EIO;
			goto out;
		}
		for (uint64_t i = 0; i < p->count; i++) {
			memcpy(e[i].serial, c->serials[i], CODE_SERIAL_BYTES);
			e[i].seq = (uint32_t)i;
			e[i].redraw = 0;
		}
		mint_radix_sort(e, tmp, p->count);
		for (uint64_t i = 1; i < p->count; i++)
			if (memcmp(e[i].serial, e[i - 1].serial,
			    CODE_SERIAL_BYTES) == 0)
				e[i].redraw = 1;
		for (uint64_t off = 0; off < p->count; off += MINT_EXIST_CHUNK) {
			size_t n = p->count - off < MINT_EXIST_CHUNK ?
			    p->count - off : MINT_EXIST_CHUNK;
			struct store_txn t;

			for (size_t i = 0; i < n; i++)
				memcpy(keys[i], e[off + i].serial,
				    CODE_SERIAL_BYTES);
			if ((ret = store_txn_begin(p->st, true, &t)) < 0)
				goto out;
			ret = store_codes_exist_txn(&t, (const uint8_t (*)[8])keys,
			    n, exists);
			store_txn_abort(&t);
			if (ret < 0)
				goto out;
			for (size_t i = 0; i < n; i++)
				if (exists[i])
					e[off + i].redraw = 1;
		}
		for (uint64_t i = 0; i < p->count; i++)
			if (e[i].redraw) {
				randombytes_buf(c->serials[e[i].seq],
				    CODE_SERIAL_BYTES);
				redraws++;
			}
		if (redraws == 0)
			break;
	}
out:
	free(exists);
	free(keys);
	free(tmp);
	return ret;
}

/* Appends one image to a sealed slot's list. */
static int
mint_slot_image(struct mint_slot *s, const char *name, const struct buf *img)
{
	uint8_t hdr[6];
	size_t nlen = strlen(name);
	int ret;

	hdr[0] = (uint8_t)(nlen >> 8);
	hdr[1] = (uint8_t)nlen;
	hdr[2] = (uint8_t)(img->len >> 24);
	hdr[3] = (uint8_t)(img->len >> 16);
	hdr[4] = (uint8_t)(img->len >> 8);
	hdr[5] = (uint8_t)img->len;
	if ((ret = buf_append(&s->images, hdr, 2)) < 0 ||
	    (ret = buf_append(&s->images, name, nlen)) < 0 ||
	    (ret = buf_append(&s->images, hdr + 2, 4)) < 0)
		return ret;
	return buf_append(&s->images, img->data, img->len);
}

/* Renders one symbol's images under dir prefix ("" or "draw-"). */
static int
mint_render(struct mint_ctx *c, struct mint_slot *s, const char *url,
    const char *serial, const char *prefix, struct buf *img)
{
	const struct mint_params *p = c->p;
	struct render_opts o = { p->module_px, RENDER_QUIET_ZONE };
	char name[64];
	QRcode *q;
	int ret;

	if ((ret = render_qr(url, (QRecLevel)p->ecc, &q)) < 0)
		return ret;
	if (prefix[0] == '\0' && q->version > s->qr_version)
		s->qr_version = q->version;
	for (int kind = 0; kind < 2 && ret == 0; kind++) {
		if ((kind == 0 && !p->png) || (kind == 1 && !p->svg))
			continue;
		buf_reset(img);
		if (kind == 0) {
			ret = render_png(q, &o, img);
			snprintf(name, sizeof(name), "%spng/%s.png", prefix, serial);
		} else {
			ret = render_svg(q, &o, img);
			snprintf(name, sizeof(name), "%ssvg/%s.svg", prefix, serial);
		}
		if (ret < 0)
			break;
		if (job_is_sealed(c->job))
			ret = mint_slot_image(s, name, img);
		else
			ret = job_put(c->job, name, img->data, img->len);
	}
	QRcode_free(q);
	return ret;
}

/* Writes the decimal digits of v; returns their count. */
static size_t
mint_utoa(char *out, uint64_t v)
{
	char tmp[24];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

/* Makes one code's inner draw code: token, keyed hash, CSV line, images. */
static int
mint_draw_code(struct mint_ctx *c, struct mint_slot *s, uint64_t seq,
    const char *serial, struct buf *img)
{
	const struct mint_params *p = c->p;
	uint8_t token[CODE_DRAW_TOKEN_BYTES];
	char url[CODE_TEXT_MAX], text[CODE_DRAW_TEXT_LEN + 1];
	struct store_drawcode_entry *e = &c->draws[seq];
	int n, ret;

	randombytes_buf(token, sizeof(token));
	code_draw_hash(p->drawcode_key, token, e->hash);
	memcpy(e->serial, c->serials[seq], CODE_SERIAL_BYTES);
	if ((n = code_draw_format(token, p->base_url, url, sizeof(url))) < 0)
		return n;
	code_draw_text(token, text);
	sodium_memzero(token, sizeof(token));
	ret = buf_printf(&s->draw_csv, "%llu,%s,%s,%s\r\n",
	    (unsigned long long)seq + 1, serial, url, text);
	if (ret == 0 && (p->png || p->svg))
		ret = mint_render(c, s, url, serial, "draw-", img);
	sodium_memzero(url, sizeof(url));
	return ret;
}

/* Signs (and renders) one block of codes. */
static int
mint_produce(struct mint_ctx *c, struct mint_slot *s, struct buf *img)
{
	const struct mint_params *p = c->p;
	uint64_t first = s->block * MINT_BLOCK;
	uint64_t last = first + MINT_BLOCK < p->count ? first + MINT_BLOCK :
	    p->count;
	char url[CODE_TEXT_MAX], line[CODE_TEXT_MAX + 64];
	char serial[CODE_SERIAL_CHARS + 1];
	struct code code;
	int ret, n;

	buf_reset(&s->csv);
	buf_reset(&s->draw_csv);
	buf_reset(&s->images);
	s->qr_version = 0;
	memset(&code, 0, sizeof(code));
	memcpy(code.gtin, p->gtin, sizeof(code.gtin));
	for (uint64_t seq = first; seq < last; seq++) {
		size_t len;

		memcpy(code.serial, c->serials[seq], CODE_SERIAL_BYTES);
		keys_sign(p->kp, &code);
		code_check_digest(&code, c->checks[seq]);
		if ((n = code_format(&code, p->base_url, url, sizeof(url))) < 0)
			return n;
		code_serial_text(code.serial, serial);
		len = mint_utoa(line, seq + 1);
		line[len++] = ',';
		memcpy(line + len, serial, CODE_SERIAL_CHARS);
		len += CODE_SERIAL_CHARS;
		line[len++] = ',';
		memcpy(line + len, url, (size_t)n);
		len += (size_t)n;
		line[len++] = '\r';
		line[len++] = '\n';
		if ((ret = buf_append(&s->csv, line, len)) < 0)
			return ret;
		if ((p->png || p->svg) &&
		    (ret = mint_render(c, s, url, serial, "", img)) < 0)
			return ret;
		if (p->draw_codes && (ret = mint_draw_code(c, s, seq, serial,
		    img)) < 0)
			return ret;
	}
	return 0;
}

/* Worker thread: takes blocks until none are left. */
static void *
mint_worker(void *arg)
{
	struct mint_ctx *c = arg;
	struct buf img = { 0 };

	for (;;) {
		struct mint_slot *s;
		uint64_t b;

		pthread_mutex_lock(&c->mu);
		while (c->error == 0 && c->next_block < c->nblocks &&
		    c->next_block >= c->written + c->nslots &&
		    !(c->p->cancel && *c->p->cancel))
			pthread_cond_wait(&c->cond_space, &c->mu);
		if (c->error != 0 || c->next_block >= c->nblocks ||
		    (c->p->cancel && *c->p->cancel)) {
			pthread_mutex_unlock(&c->mu);
			break;
		}
		b = c->next_block++;
		s = &c->slots[b % c->nslots];
		pthread_mutex_unlock(&c->mu);

		s->block = b;
		s->ret = mint_produce(c, s, &img);

		pthread_mutex_lock(&c->mu);
		s->done = true;
		pthread_cond_broadcast(&c->cond_done);
		pthread_mutex_unlock(&c->mu);
	}
	buf_free(&img);
	return NULL;
}

/* Emits a sealed slot's images into the job stream. */
static int
mint_emit_images(struct mint_ctx *c, const struct mint_slot *s)
{
	size_t o = 0;
	int ret;

	while (o < s->images.len) {
		const uint8_t *d = s->images.data + o;
		size_t nlen = (size_t)d[0] << 8 | d[1];
		char name[64];
		size_t len;

		memcpy(name, d + 2, nlen);
		name[nlen] = '\0';
		d += 2 + nlen;
		len = (size_t)d[0] << 24 | (size_t)d[1] << 16 |
		    (size_t)d[2] << 8 | d[3];
		if ((ret = job_put(c->job, name, d + 4, len)) < 0)
			return ret;
		o += 2 + nlen + 4 + len;
	}
	return 0;
}

/* Reports progress at most every MINT_PROGRESS_US. */
static void
mint_progress(const struct mint_params *p, const char *phase, uint64_t done,
    uint64_t total, int64_t *last, bool force)
{
	int64_t now;

	if (p->progress == NULL)
		return;
	now = clock_mono_us();
	if (!force && now - *last < MINT_PROGRESS_US)
		return;
	*last = now;
	p->progress(phase, done, total, p->progress_arg);
}

/* Ends a SHA-256 into hex; false if libcrypto failed. */
static bool
mint_sha_hex(EVP_MD_CTX *ctx, char hex[65])
{
	uint8_t digest[32];
	unsigned len = 0;

	if (!EVP_DigestFinal_ex(ctx, digest, &len) || len != sizeof(digest))
		return false;
	sodium_bin2hex(hex, 65, digest, sizeof(digest));
	return true;
}

/* Signs every code on all cores while this thread writes codes.csv in
 * print order and computes its SHA-256 (libcrypto's, which uses the CPU's
 * SHA instructions: libsodium's portable one cost ~0.6 us a code, a
 * twentieth of the mint, on this thread that the workers wait for). */
static int
mint_sign_all(struct mint_ctx *c, int *qr_version, char sha_hex[65],
    char draw_sha_hex[65])
{
	const struct mint_params *p = c->p;
	EVP_MD_CTX *sha = EVP_MD_CTX_new(), *draw_sha = EVP_MD_CTX_new();
	unsigned nthreads = p->threads;
	pthread_t *th = NULL;
	unsigned started = 0;
	int64_t last = 0;
	int ret = 0;
	static const char header[] = "seq,serial,url\r\n";
	static const char draw_header[] = "seq,serial,draw_url,draw_text\r\n";

	if (nthreads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		nthreads = n > 0 ? (unsigned)n : 1;
	}
	c->nblocks = (p->count + MINT_BLOCK - 1) / MINT_BLOCK;
	c->nslots = (size_t)nthreads * MINT_INFLIGHT_PER_THREAD;
	c->slots = calloc(c->nslots, sizeof(*c->slots));
	th = calloc(nthreads, sizeof(*th));
	if (c->slots == NULL || th == NULL || sha == NULL || draw_sha == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	if (!EVP_DigestInit_ex(sha, EVP_sha256(), NULL) ||
	    !EVP_DigestInit_ex(draw_sha, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(sha, header, sizeof(header) - 1)) {
		ret = -EIO;
		c->why = "cannot compute SHA-256 (libcrypto)";
		goto out;
	}
	if ((ret = job_append(c->job, "codes.csv", header,
	    sizeof(header) - 1)) < 0)
		goto out;
	if (p->draw_codes) {
		if (!EVP_DigestUpdate(draw_sha, draw_header,
		    sizeof(draw_header) - 1)) {
			ret = -EIO;
			c->why = "cannot compute SHA-256 (libcrypto)";
			goto out;
		}
		if ((ret = job_append(c->job, "draw-codes.csv", draw_header,
		    sizeof(draw_header) - 1)) < 0)
			goto out;
	}
	for (; started < nthreads; started++)
		if (pthread_create(&th[started], NULL, mint_worker, c) != 0) {
			ret = -EAGAIN;
			break;
		}
	for (uint64_t b = 0; ret == 0 && b < c->nblocks; b++) {
		struct mint_slot *s = &c->slots[b % c->nslots];

		pthread_mutex_lock(&c->mu);
		while (!(s->done && s->block == b) && c->error == 0 &&
		    !(p->cancel && *p->cancel) && started > 0)
			pthread_cond_wait(&c->cond_done, &c->mu);
		pthread_mutex_unlock(&c->mu);
		if (p->cancel && *p->cancel) {
			ret = -EINTR;
			c->why = "interrupted";
			break;
		}
		if (started == 0) {
			ret = -EAGAIN;
			break;
		}
		if ((ret = s->ret) < 0) {
			c->why = "cannot sign, render or write a code";
			break;
		}
		if (s->qr_version > *qr_version)
			*qr_version = s->qr_version;
		if (!EVP_DigestUpdate(sha, s->csv.data, s->csv.len) ||
		    (p->draw_codes && !EVP_DigestUpdate(draw_sha,
		    s->draw_csv.data, s->draw_csv.len))) {
			ret = -EIO;
			c->why = "cannot compute SHA-256 (libcrypto)";
			break;
		}
		if ((ret = job_append(c->job, "codes.csv", s->csv.data,
		    s->csv.len)) < 0) {
			c->why = "cannot write codes.csv";
			break;
		}
		if (p->draw_codes) {
			if ((ret = job_append(c->job, "draw-codes.csv",
			    s->draw_csv.data, s->draw_csv.len)) < 0) {
				c->why = "cannot write draw-codes.csv";
				break;
			}
		}
		if (job_is_sealed(c->job) && (ret = mint_emit_images(c, s)) < 0) {
			c->why = "cannot write the sealed job";
			break;
		}
		pthread_mutex_lock(&c->mu);
		s->done = false;
		c->written = b + 1;
		pthread_cond_broadcast(&c->cond_space);
		pthread_mutex_unlock(&c->mu);
		mint_progress(p, p->png || p->svg ? "signing, rendering images" :
		    "signing", (b + 1) * MINT_BLOCK < p->count ?
		    (b + 1) * MINT_BLOCK : p->count, p->count, &last,
		    b + 1 == c->nblocks);
	}
	pthread_mutex_lock(&c->mu);
	if (ret < 0 && c->error == 0)
		c->error = ret;
	pthread_cond_broadcast(&c->cond_space);
	pthread_mutex_unlock(&c->mu);
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (ret == 0 && (!mint_sha_hex(sha, sha_hex) ||
	    (p->draw_codes && !mint_sha_hex(draw_sha, draw_sha_hex)))) {
		ret = -EIO;
		c->why = "cannot compute SHA-256 (libcrypto)";
	}
out:
	EVP_MD_CTX_free(sha);
	EVP_MD_CTX_free(draw_sha);
	if (c->slots != NULL)
		for (size_t i = 0; i < c->nslots; i++) {
			buf_free(&c->slots[i].csv);
			buf_free(&c->slots[i].draw_csv);
			buf_free(&c->slots[i].images);
		}
	free(c->slots);
	c->slots = NULL;
	free(th);
	return ret;
}

/* Inserts all codes in sorted chunks. */
static int
mint_store_all(struct mint_ctx *c, struct store_mint *m, uint32_t batch_id,
    const struct mint_entry *e)
{
	const struct mint_params *p = c->p;
	struct store_code_entry *chunk;
	int64_t last = 0;
	int ret = 0;

	if ((chunk = malloc(STORE_MINT_CHUNK * sizeof(*chunk))) == NULL)
		return -ENOMEM;
	for (uint64_t off = 0; off < p->count; off += STORE_MINT_CHUNK) {
		size_t n = p->count - off < STORE_MINT_CHUNK ? p->count - off :
		    STORE_MINT_CHUNK;

		if (p->cancel && *p->cancel) {
			ret = -EINTR;
			c->why = "interrupted";
			break;
		}
		for (size_t i = 0; i < n; i++) {
			const struct mint_entry *x = &e[off + i];

			memcpy(chunk[i].serial, x->serial, CODE_SERIAL_BYTES);
			memset(&chunk[i].code, 0, sizeof(chunk[i].code));
			chunk[i].code.batch_id = batch_id;
			memcpy(chunk[i].code.check, c->checks[x->seq],
			    CODE_CHECK_BYTES);
		}
		if ((ret = store_mint_insert(m, chunk, n)) < 0) {
			c->why = ret == -EEXIST ?
			    "a serial was taken by a concurrent mint; run again" :
			    "cannot write the codes to the store";
			break;
		}
		mint_progress(p, "storing", off + n, p->count, &last,
		    off + n == p->count);
	}
	free(chunk);
	return ret;
}

/* Orders draw codes by their hash. */
static int
mint_drawcode_cmp(const void *a, const void *b)
{
	return memcmp(a, b, STORE_DRAWCODE_HASH_BYTES);
}

/* Inserts the draw codes, sorted by hash, in chunks. */
static int
mint_store_drawcodes(struct mint_ctx *c, struct store_mint *m,
    uint32_t batch_id)
{
	const struct mint_params *p = c->p;
	int64_t last = 0;
	int ret = 0;

	for (uint64_t i = 0; i < p->count; i++)
		c->draws[i].batch_id = batch_id;
	qsort(c->draws, p->count, sizeof(*c->draws), mint_drawcode_cmp);
	for (uint64_t off = 0; off < p->count; off += STORE_MINT_CHUNK) {
		size_t n = p->count - off < STORE_MINT_CHUNK ? p->count - off :
		    STORE_MINT_CHUNK;

		if (p->cancel && *p->cancel) {
			c->why = "interrupted";
			return -EINTR;
		}
		if ((ret = store_mint_insert_drawcodes(m, c->draws + off,
		    n)) < 0) {
			c->why = ret == -EEXIST ? "two draw codes collided; run "
			    "again" : "cannot write the draw codes to the store";
			return ret;
		}
		mint_progress(p, "storing draw codes", off + n, p->count, &last,
		    off + n == p->count);
	}
	return 0;
}

/* Builds manifest.json. */
static int
mint_manifest(struct mint_ctx *c, const struct mint_result *r, char **out)
{
	const struct mint_params *p = c->p;
	char created[CLOCK_ISO8601_LEN];
	json_t *m, *images;

	clock_format_iso8601(r->created, created);
	images = json_array();
	if (p->png)
		json_array_append_new(images, json_string("png"));
	if (p->svg)
		json_array_append_new(images, json_string("svg"));
	m = json_pack("{s:s, s:I, s:s, s:i, s:s, s:I, s:i, s:s, s:s, s:s, "
	    "s:s, s:s, s:s?, s:o, s:i, s:i, s:b, s:s?}",
	    "format", "scanloop-print-job/1",
	    "batch_id", (json_int_t)r->batch_id,
	    "product", p->gtin,
	    "key_id", (int)p->kp->id,
	    "scheme", code_scheme_name(p->kp->scheme),
	    "count", (json_int_t)p->count,
	    "qr_version", r->qr_version,
	    "ecc", render_ecc_name((QRecLevel)p->ecc),
	    "created", created,
	    "codes_sha256", r->codes_sha256,
	    "codes", "codes.csv",
	    "base_url", p->base_url,
	    "line", p->line,
	    "images", images,
	    "module_px", p->module_px,
	    "quiet_zone_modules", RENDER_QUIET_ZONE,
	    "draw_codes", p->draw_codes,
	    "draw_codes_sha256", p->draw_codes ? r->draw_codes_sha256 : NULL);
	if (m == NULL)
		return -ENOMEM;
	if (p->case_size > 0) {
		json_object_set_new(m, "company_prefix",
		    json_string(p->company_prefix));
		json_object_set_new(m, "case_size", json_integer(
		    (json_int_t)p->case_size));
		json_object_set_new(m, "cases", json_integer(
		    (json_int_t)r->cases));
		json_object_set_new(m, "pallet_size", json_integer(
		    (json_int_t)p->pallet_size));
		json_object_set_new(m, "pallets", json_integer(
		    (json_int_t)r->pallets));
		json_object_set_new(m, "packing", json_string("packing.csv"));
	}
	*out = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(m);
	if (*out == NULL)
		return -ENOMEM;
	/* End the file with a newline, as text files should. */
	char *nl = realloc(*out, strlen(*out) + 2);

	if (nl == NULL)
		return -ENOMEM;
	strcat(nl, "\n");
	*out = nl;
	return 0;
}

/* QR version of one code when no images are rendered. */
static int
mint_probe_version(const struct mint_params *p, int *version)
{
	char url[CODE_TEXT_MAX];
	struct code code;
	QRcode *q;
	int ret;

	memset(&code, 0, sizeof(code));
	memcpy(code.gtin, p->gtin, sizeof(code.gtin));
	randombytes_buf(code.serial, sizeof(code.serial));
	keys_sign(p->kp, &code);
	if ((ret = code_format(&code, p->base_url, url, sizeof(url))) < 0)
		return ret;
	if ((ret = render_qr(url, (QRecLevel)p->ecc, &q)) < 0)
		return ret;
	*version = q->version;
	QRcode_free(q);
	return 0;
}

/* Runs the whole mint. */
int
mint_run(const struct mint_params *p, struct mint_result *r, const char **why)
{
	struct mint_ctx c;
	struct mint_entry *e = NULL;
	struct store_mint *m = NULL;
	struct store_batch b;
	char *manifest = NULL;
	int64_t t0 = clock_mono_us();
	unsigned recovered;
	int ret;

	memset(r, 0, sizeof(*r));
	memset(&c, 0, sizeof(c));
	c.p = p;
	*why = NULL;
	if (p->count < 1 || p->count > MINT_MAX_CODES) {
		*why = "count must be between 1 and 100000000";
		return -EINVAL;
	}
	pthread_mutex_init(&c.mu, NULL);
	pthread_cond_init(&c.cond_done, NULL);
	pthread_cond_init(&c.cond_space, NULL);
	if ((ret = store_mint_recover(p->st, &recovered)) < 0) {
		c.why = "cannot clean up an interrupted mint";
		goto fail;
	}
	if ((ret = job_create(p->jobdir, p->seal_pk, &c.job, &c.why)) < 0)
		goto fail;
	c.serials = malloc(p->count * CODE_SERIAL_BYTES);
	c.checks = malloc(p->count * CODE_CHECK_BYTES);
	e = malloc(p->count * sizeof(*e));
	if (p->draw_codes)
		c.draws = calloc(p->count, sizeof(*c.draws));
	if (c.serials == NULL || c.checks == NULL || e == NULL ||
	    (p->draw_codes && c.draws == NULL)) {
		ret = -ENOMEM;
		c.why = "not enough memory for this many codes";
		goto fail;
	}
	if ((p->png && (ret = job_mkdir(c.job, "png")) < 0) ||
	    (p->svg && (ret = job_mkdir(c.job, "svg")) < 0) ||
	    (p->draw_codes && p->png && (ret = job_mkdir(c.job,
	    "draw-png")) < 0) ||
	    (p->draw_codes && p->svg && (ret = job_mkdir(c.job,
	    "draw-svg")) < 0)) {
		c.why = "cannot create the image directories";
		goto fail;
	}
	if ((ret = mint_draw_serials(&c, e)) < 0) {
		if (c.why == NULL)
			c.why = "cannot check serials against the store";
		goto fail;
	}
	if (p->draw_codes && p->drawcode_key == NULL) {
		ret = -EINVAL;
		c.why = "draw codes need the server's draw-code key";
		goto fail;
	}
	if ((ret = mint_sign_all(&c, &r->qr_version, r->codes_sha256,
	    r->draw_codes_sha256)) < 0)
		goto fail;
	if (!p->png && !p->svg &&
	    (ret = mint_probe_version(p, &r->qr_version)) < 0)
		goto fail;

	memset(&b, 0, sizeof(b));
	b.key_id = p->kp->id;
	b.scheme = p->kp->scheme;
	memcpy(b.gtin, p->gtin, sizeof(b.gtin));
	if (p->line != NULL)
		snprintf(b.line, sizeof(b.line), "%s", p->line);
	b.count = p->count;
	b.created = r->created = clock_now_us();
	b.qr_version = (uint8_t)r->qr_version;
	b.ecc = (uint8_t)p->ecc;
	if ((ret = store_mint_begin(p->st, &b, &m)) < 0) {
		c.why = "cannot create the batch in the store";
		goto fail;
	}
	r->batch_id = b.id;
	if ((ret = mint_store_all(&c, m, b.id, e)) < 0)
		goto fail;
	if (p->draw_codes && (ret = mint_store_drawcodes(&c, m, b.id)) < 0)
		goto fail;
	if (p->case_size > 0 && (ret = mint_agg_run(p, c.job,
	    (const uint8_t (*)[CODE_SERIAL_BYTES])c.serials, b.id, r,
	    &c.why)) < 0)
		goto fail;
	if ((ret = mint_manifest(&c, r, &manifest)) < 0 ||
	    (ret = job_put(c.job, "manifest.json", manifest,
	    strlen(manifest))) < 0) {
		c.why = "cannot write manifest.json";
		goto fail;
	}
	if ((ret = job_flush(c.job)) < 0) {
		c.why = "cannot flush the print job to disk";
		goto fail;
	}
	if (p->cancel && *p->cancel) {
		ret = -EINTR;
		c.why = "interrupted";
		goto fail;
	}
	/* The store first: a job directory must never name codes the store
	 * does not know. */
	if ((ret = store_mint_finish(m)) < 0) {
		c.why = "cannot commit the batch";
		goto fail;
	}
	store_mint_free(m);
	m = NULL;
	ret = job_commit(c.job);
	c.job = NULL;
	if (ret < 0) {
		/* Nothing was handed to the printer: retire the batch. */
		store_batch_void(p->st, b.id, STORE_VOID_OTHER, clock_now_us());
		c.why = "cannot move the print job into place; the batch was voided";
		goto fail;
	}
	r->seconds = (double)(clock_mono_us() - t0) / 1e6;
	goto out;
fail:
	if (m != NULL)
		store_mint_abort(m);
	job_abort(c.job);
	*why = c.why;
out:
	free(manifest);
	if (c.draws != NULL) {
		sodium_memzero(c.draws, p->count * sizeof(*c.draws));
		free(c.draws);
	}
	free(e);
	free(c.checks);
	free(c.serials);
	pthread_cond_destroy(&c.cond_space);
	pthread_cond_destroy(&c.cond_done);
	pthread_mutex_destroy(&c.mu);
	return ret;
}
