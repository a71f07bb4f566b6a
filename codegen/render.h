/*
 * render.h — QR symbols (libqrencode) as 1-bit PNG (libpng) or SVG.
 *
 * Thread-safe: mint renders on all cores. Outputs are appended to a buf.
 */
#ifndef SCANLOOP_RENDER_H
#define SCANLOOP_RENDER_H

#include <qrencode.h>

#include "common/buf.h"

#define RENDER_DEFAULT_MODULE_PX 4
#define RENDER_MAX_MODULE_PX 64
#define RENDER_QUIET_ZONE 4

struct render_opts {
	int module_px;		/* pixels per module (PNG) or user units (SVG) */
	int margin;		/* quiet zone in modules */
};

/* Parses "L", "M", "Q" or "H" (any case). Returns a QRecLevel or -EINVAL. */
int render_ecc_parse(const char *s);
/* Returns "L", "M", "Q" or "H". */
const char *render_ecc_name(QRecLevel level);
/* Encodes text (case-sensitive; libqrencode picks numeric, alphanumeric and
 * 8-bit segments) at the smallest version that fits. Returns 0, -ENOMEM or
 * -EINVAL (too long for any version). Free *out with QRcode_free. */
int render_qr(const char *text, QRecLevel level, QRcode **out)
    __attribute__((warn_unused_result));
/* Appends a 1-bit greyscale PNG of the symbol. Returns 0 or -ENOMEM/-EIO. */
int render_png(const QRcode *q, const struct render_opts *o, struct buf *out)
    __attribute__((warn_unused_result));
/* Appends a standalone SVG document of the symbol. */
int render_svg(const QRcode *q, const struct render_opts *o, struct buf *out)
    __attribute__((warn_unused_result));
/* Appends only the <svg> element, for inlining into an HTML page. */
int render_svg_inline(const QRcode *q, const struct render_opts *o,
    struct buf *out) __attribute__((warn_unused_result));

#endif
