/* render.c — QR encoding and PNG/SVG output. */
#include "codegen/render.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <string.h>
#include <strings.h>

/* Parses an ECC level letter. */
int
render_ecc_parse(const char *s)
{
	if (strcasecmp(s, "L") == 0)
		return QR_ECLEVEL_L;
	if (strcasecmp(s, "M") == 0)
		return QR_ECLEVEL_M;
	if (strcasecmp(s, "Q") == 0)
		return QR_ECLEVEL_Q;
	if (strcasecmp(s, "H") == 0)
		return QR_ECLEVEL_H;
	return -EINVAL;
}

/* Names an ECC level. */
const char *
render_ecc_name(QRecLevel level)
{
	static const char *names[] = { "L", "M", "Q", "H" };

	return (unsigned)level < 4 ? names[level] : "?";
}

/* Encodes text as a QR symbol. */
int
render_qr(const char *text, QRecLevel level, QRcode **out)
{
	QRcode *q;

	errno = 0;
	q = QRcode_encodeString(text, 0, level, QR_MODE_8, 1);
	if (q == NULL)
		return errno == ENOMEM ? -ENOMEM : -EINVAL;
	*out = q;
	return 0;
}

/* libpng write callback appending to a buf. */
static void
render_png_write_cb(png_structp png, png_bytep data, png_size_t len)
{
	struct buf *b = png_get_io_ptr(png);

	if (buf_append(b, data, len) < 0)
		png_error(png, "out of memory");
}

/* libpng flush callback: nothing to flush in memory. */
static void
render_png_flush_cb(png_structp png)
{
	(void)png;
}

/* Sets pixels [x0, x0 + n) of a 1-bit row to black (0). */
static void
render_row_black(uint8_t *row, int x0, int n)
{
	for (int x = x0; x < x0 + n; x++)
		row[x >> 3] &= (uint8_t)~(0x80u >> (x & 7));
}

/* Writes a 1-bit PNG: white background, black modules. */
int
render_png(const QRcode *q, const struct render_opts *o, struct buf *out)
{
	png_structp png;
	png_infop info = NULL;
	uint8_t row[((177 + 2 * 16) * RENDER_MAX_MODULE_PX + 7) / 8];
	int px = o->module_px, m = o->margin;
	int w = (q->width + 2 * m) * px;
	size_t rowbytes = ((size_t)w + 7) / 8;
	volatile size_t start = out->len;

	if (px < 1 || px > RENDER_MAX_MODULE_PX || m < 0 || m > 16)
		return -EINVAL;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (png == NULL)
		return -ENOMEM;
	if ((info = png_create_info_struct(png)) == NULL) {
		png_destroy_write_struct(&png, NULL);
		return -ENOMEM;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		out->len = start;
		return -ENOMEM;
	}
	png_set_write_fn(png, out, render_png_write_cb, render_png_flush_cb);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)w, 1,
	    PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	/*
	 * Fast settings: a symbol is a few kilobytes of raw rows, so a small
	 * deflate window loses little, and zlib's set-up (the bulk of the
	 * cost per image at default settings) shrinks with it.
	 */
	png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
	png_set_compression_level(png, 1);
	png_set_compression_window_bits(png, 10);
	png_set_compression_mem_level(png, 2);
	png_write_info(png, info);

	memset(row, 0xff, rowbytes);
	for (int y = 0; y < m * px; y++)
		png_write_row(png, row);
	for (int my = 0; my < q->width; my++) {
		const unsigned char *d = q->data + (size_t)my * q->width;

		memset(row, 0xff, rowbytes);
		for (int mx = 0; mx < q->width;) {
			int run = 0;

			while (mx + run < q->width && (d[mx + run] & 1))
				run++;
			if (run > 0) {
				render_row_black(row, (mx + m) * px, run * px);
				mx += run;
			} else
				mx++;
		}
		for (int k = 0; k < px; k++)
			png_write_row(png, row);
	}
	memset(row, 0xff, rowbytes);
	for (int y = 0; y < m * px; y++)
		png_write_row(png, row);
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	return 0;
}

/* Appends the <svg> element: one path of horizontal runs. */
int
render_svg_inline(const QRcode *q, const struct render_opts *o,
    struct buf *out)
{
	int m = o->margin, full = q->width + 2 * m;
	int px = o->module_px;
	int ret;

	ret = buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	    "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
	    "fill=\"#fff\"/><path fill=\"#000\" d=\"", full, full, full * px,
	    full * px, full, full);
	for (int y = 0; ret == 0 && y < q->width; y++) {
		const unsigned char *d = q->data + (size_t)y * q->width;

		for (int x = 0; ret == 0 && x < q->width;) {
			int run = 0;

			while (x + run < q->width && (d[x + run] & 1))
				run++;
			if (run == 0) {
				x++;
				continue;
			}
			ret = buf_printf(out, "M%d %dh%dv1h-%dz", x + m, y + m,
			    run, run);
			x += run;
		}
	}
	if (ret == 0)
		ret = buf_puts(out, "\"/></svg>");
	return ret;
}

/* Appends a standalone SVG file. */
int
render_svg(const QRcode *q, const struct render_opts *o, struct buf *out)
{
	int ret;

	if ((ret = buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"))
	    < 0)
		return ret;
	if ((ret = render_svg_inline(q, o, out)) < 0)
		return ret;
	return buf_puts(out, "\n");
}
