/* test_render.c — QR symbols: the version facts of the format, PNG, SVG. */
#include "testutil.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/code.h"
#include "codegen/keys.h"
#include "codegen/render.h"

#define SAMPLES 200

/* The largest QR version (level M) over SAMPLES random codes of a
 * scheme with the default host. */
static int
max_version(int scheme, int *min_out)
{
	struct keypair *kp = NULL;
	int max = 0, min = 99;

	for (int i = 0; i < SAMPLES; i++) {
		char text[CODE_TEXT_MAX];
		struct code c;
		QRcode *q = NULL;

		/* A fresh key now and then, so tags and key ids vary too. */
		if (i % 20 == 0) {
			uint8_t id;

			keys_free(kp);
			tu_random(&id, 1);
			assert_int_equal(keys_generate(id, scheme, &kp), 0);
		}
		memset(&c, 0, sizeof(c));
		tu_random_gtin(c.gtin);
		tu_random(c.serial, sizeof(c.serial));
		keys_sign(kp, &c);
		assert_true(code_format(&c, CODE_DEFAULT_BASE_URL, text,
		    sizeof(text)) > 0);
		assert_int_equal(render_qr(text, QR_ECLEVEL_M, &q), 0);
		assert_int_equal(q->width, 17 + 4 * q->version);
		if (q->version > max)
			max = q->version;
		if (q->version < min)
			min = q->version;
		QRcode_free(q);
	}
	keys_free(kp);
	*min_out = min;
	return max;
}

/* With the default host, a scheme-1 code fits version 7 at level M and a
 * scheme-2 code version 4. */
static void
test_qr_versions(void **state)
{
	int ed_min, mac_min;
	int ed = max_version(CODE_SCHEME_ED25519, &ed_min);
	int mac = max_version(CODE_SCHEME_MAC, &mac_min);

	(void)state;
	print_message("QR version at level M over %d random codes: "
	    "ed25519 %d..%d, mac %d..%d\n", SAMPLES, ed_min, ed, mac_min, mac);
	assert_true(ed <= 7);
	assert_true(mac <= 4);
	/* And a scheme-1 code needs more than a scheme-2 one. */
	assert_true(ed > mac);
}

/* ECC level names and parsing. */
static void
test_ecc(void **state)
{
	(void)state;
	assert_int_equal(render_ecc_parse("L"), QR_ECLEVEL_L);
	assert_int_equal(render_ecc_parse("m"), QR_ECLEVEL_M);
	assert_int_equal(render_ecc_parse("Q"), QR_ECLEVEL_Q);
	assert_int_equal(render_ecc_parse("h"), QR_ECLEVEL_H);
	assert_int_equal(render_ecc_parse("X"), -EINVAL);
	assert_int_equal(render_ecc_parse(""), -EINVAL);
	assert_int_equal(render_ecc_parse("MM"), -EINVAL);
	assert_string_equal(render_ecc_name(QR_ECLEVEL_M), "M");
	assert_string_equal(render_ecc_name(QR_ECLEVEL_H), "H");
}

/* Reads a big-endian u32. */
static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* A sample symbol. */
static QRcode *
sample_qr(void)
{
	static const char text[] = "HTTPS://S.EXAMPLE.COM/01/09506000134352/21/"
	    "AAAAAAAAAAAAA?S=CIBIZSH27PPQQY6DEEYA";
	QRcode *q = NULL;

	assert_int_equal(render_qr(text, QR_ECLEVEL_M, &q), 0);
	return q;
}

/* The PNG: signature, IHDR (size, 1-bit greyscale), and every pixel
 * matching its module, read back with libpng. */
static void
test_png(void **state)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
	    '\n' };
	QRcode *q = sample_qr();

	(void)state;
	for (int px = 1; px <= 5; px += 2) {
		struct render_opts o = { px, RENDER_QUIET_ZONE };
		struct buf b = { 0 };
		png_image img;
		uint8_t *pix;
		uint32_t w = (uint32_t)(q->width + 2 * RENDER_QUIET_ZONE) *
		    (uint32_t)px;

		/* Appended after what the buffer already holds. */
		assert_int_equal(buf_puts(&b, "prefix"), 0);
		assert_int_equal(render_png(q, &o, &b), 0);
		assert_true(b.len > 6 + 8 + 25);
		assert_memory_equal(b.data, "prefix", 6);
		assert_memory_equal(b.data + 6, sig, 8);
		assert_int_equal(be32(b.data + 14), 13);
		assert_memory_equal(b.data + 18, "IHDR", 4);
		assert_int_equal(be32(b.data + 22), w);
		assert_int_equal(be32(b.data + 26), w);
		assert_int_equal(b.data[30], 1);	/* bit depth */
		assert_int_equal(b.data[31], 0);	/* greyscale */
		assert_int_equal(b.data[34], 0);	/* not interlaced */
		assert_memory_equal(b.data + b.len - 8, "IEND\xae\x42\x60\x82", 8);

		memset(&img, 0, sizeof(img));
		img.version = PNG_IMAGE_VERSION;
		assert_true(png_image_begin_read_from_memory(&img, b.data + 6,
		    b.len - 6));
		assert_int_equal(img.width, w);
		assert_int_equal(img.height, w);
		img.format = PNG_FORMAT_GRAY;
		pix = malloc((size_t)w * w);
		assert_non_null(pix);
		assert_true(png_image_finish_read(&img, NULL, pix, 0, NULL));
		for (uint32_t y = 0; y < w; y++)
			for (uint32_t x = 0; x < w; x++) {
				int mx = (int)(x / (uint32_t)px) -
				    RENDER_QUIET_ZONE;
				int my = (int)(y / (uint32_t)px) -
				    RENDER_QUIET_ZONE;
				bool dark = mx >= 0 && my >= 0 && mx < q->width &&
				    my < q->width &&
				    (q->data[my * q->width + mx] & 1);

				if (pix[y * w + x] != (dark ? 0 : 255))
					fail_msg("px %d: pixel (%u,%u) is %u", px,
					    x, y, pix[y * w + x]);
			}
		free(pix);
		buf_free(&b);
	}
	/* Bad options. */
	{
		struct render_opts o = { 0, 4 };
		struct buf b = { 0 };

		assert_int_equal(render_png(q, &o, &b), -EINVAL);
		o.module_px = RENDER_MAX_MODULE_PX + 1;
		assert_int_equal(render_png(q, &o, &b), -EINVAL);
		o.module_px = 4;
		o.margin = -1;
		assert_int_equal(render_png(q, &o, &b), -EINVAL);
		assert_int_equal(b.len, 0);
		buf_free(&b);
	}
	QRcode_free(q);
}

/* The SVG: an XML document with the right viewBox whose path covers
 * exactly the dark modules. */
static void
test_svg(void **state)
{
	struct render_opts o = { 4, RENDER_QUIET_ZONE };
	struct buf b = { 0 };
	QRcode *q = sample_qr();
	char want[128], *text, *p;
	int full = q->width + 2 * RENDER_QUIET_ZONE;
	long area = 0, dark = 0;

	(void)state;
	assert_int_equal(render_svg(q, &o, &b), 0);
	assert_int_equal(buf_append(&b, "", 1), 0);
	text = (char *)b.data;
	assert_int_equal(strncmp(text, "<?xml", 5), 0);
	snprintf(want, sizeof(want), "viewBox=\"0 0 %d %d\"", full, full);
	assert_non_null(strstr(text, want));
	snprintf(want, sizeof(want), "width=\"%d\"", full * 4);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	assert_int_equal(strcmp(text + strlen(text) - 7, "</svg>\n"), 0);
	/* Sum the runs "M<x> <y>h<n>v1h-<n>z", checking each lies on a
	 * dark run of the symbol. */
	p = strstr(text, " d=\"");
	assert_non_null(p);
	p += 4;
	while (*p == 'M') {
		int x, y, n, n2, used;

		assert_int_equal(sscanf(p, "M%d %dh%dv1h-%dz%n", &x, &y, &n, &n2,
		    &used), 4);
		assert_int_equal(n, n2);
		for (int k = 0; k < n; k++) {
			int mx = x + k - RENDER_QUIET_ZONE;
			int my = y - RENDER_QUIET_ZONE;

			assert_true(mx >= 0 && mx < q->width && my >= 0 &&
			    my < q->width);
			assert_true(q->data[my * q->width + mx] & 1);
		}
		area += n;
		p += used;
	}
	assert_int_equal(*p, '"');
	for (int i = 0; i < q->width * q->width; i++)
		dark += q->data[i] & 1;
	assert_int_equal(area, dark);
	buf_free(&b);

	/* The inline form is the same element without the XML prolog. */
	assert_int_equal(render_svg_inline(q, &o, &b), 0);
	assert_int_equal(strncmp((char *)b.data, "<svg ", 5), 0);
	buf_free(&b);
	QRcode_free(q);
}

/* Text too long for any QR version is refused. */
static void
test_too_long(void **state)
{
	char *big = malloc(8000);
	QRcode *q = NULL;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', 7999);
	big[7999] = '\0';
	assert_int_equal(render_qr(big, QR_ECLEVEL_H, &q), -EINVAL);
	assert_null(q);
	free(big);
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qr_versions),
		cmocka_unit_test(test_ecc),
		cmocka_unit_test(test_png),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_too_long),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
