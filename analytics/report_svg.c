/*
 * report_svg.c — the report's charts and map as inline SVG: no script,
 * no external asset. Every chart has a <title> (what screen readers and
 * tooltips say), axis titles and a legend; the map draws the shipped
 * country outlines (geo.h) and a circle per 1-degree square of located
 * scans, sized by count.
 */
#include "analytics/geo.h"
#include "analytics/report_internal.h"

#include <math.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SVG_W 480
#define SVG_H 260
#define SVG_LEFT 48
#define SVG_RIGHT 12
#define SVG_TOP 34
#define SVG_BOTTOM 54

/* Appends s with &, <, >, " and ' escaped. */
int
report_html_escape(struct buf *o, const char *s)
{
	for (; *s != '\0'; s++) {
		const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" :
		    *s == '>' ? "&gt;" : *s == '"' ? "&quot;" : *s == '\'' ?
		    "&#39;" : NULL;

		if ((e != NULL ? buf_puts(o, e) : buf_append(o, s, 1)) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* A round step for about four ticks up to max. */
static double
svg_step(double max)
{
	double raw = max / 4, mag, f;

	if (raw <= 1)
		return 1;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/* The axes, grid and titles of a chart over [0, ymax]. */
static int
svg_frame(struct buf *o, const char *title, const char *xlabel,
    const char *ylabel, double ymax, double step)
{
	double ph = SVG_H - SVG_TOP - SVG_BOTTOM;
	int ret = 0;

	ret |= buf_printf(o, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" "
	    "role=\"img\" xmlns=\"http://www.w3.org/2000/svg\"><title>",
	    SVG_W, SVG_H);
	ret |= report_html_escape(o, title);
	ret |= buf_printf(o, "</title><text x=\"%d\" y=\"18\" class=\"ct\">",
	    SVG_LEFT);
	ret |= report_html_escape(o, title);
	ret |= buf_puts(o, "</text>");
	for (double v = 0; v <= ymax + step / 2; v += step) {
		double y = SVG_TOP + ph - v / ymax * ph;

		ret |= buf_printf(o, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" "
		    "y2=\"%.1f\" class=\"grid\"/><text x=\"%d\" y=\"%.1f\" "
		    "class=\"yl\">%.0f</text>", SVG_LEFT, SVG_W - SVG_RIGHT, y,
		    y, SVG_LEFT - 4, y + 4, v);
	}
	ret |= buf_printf(o, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
	    "class=\"axis\"/>", SVG_LEFT, SVG_W - SVG_RIGHT, SVG_TOP + ph,
	    SVG_TOP + ph);
	ret |= buf_printf(o, "<text x=\"%d\" y=\"%d\" class=\"at\">",
	    (SVG_W + SVG_LEFT) / 2, SVG_H - 6);
	ret |= report_html_escape(o, xlabel);
	ret |= buf_printf(o, "</text><text transform=\"translate(14 %d) "
	    "rotate(-90)\" class=\"at\">", SVG_TOP + (SVG_H - SVG_TOP -
	    SVG_BOTTOM) / 2);
	ret |= report_html_escape(o, ylabel);
	ret |= buf_puts(o, "</text>");
	return ret < 0 ? -ENOMEM : 0;
}

/* A chart of stacked bars and lines. */
int
report_svg_chart(struct buf *o, const char *title, const char *xlabel,
    const char *ylabel, const char *const *labels, size_t n, size_t step,
    const struct report_series *s, size_t ns)
{
	double pw = SVG_W - SVG_LEFT - SVG_RIGHT, ph = SVG_H - SVG_TOP -
	    SVG_BOTTOM, ymax = 1, bw, ystep;
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		double stack = 0;

		for (size_t k = 0; k < ns; k++) {
			if (s[k].line && s[k].v[i] > ymax)
				ymax = s[k].v[i];
			else if (!s[k].line)
				stack += s[k].v[i];
		}
		if (stack > ymax)
			ymax = stack;
	}
	ystep = svg_step(ymax);
	ymax = ceil(ymax / ystep) * ystep;
	if (svg_frame(o, title, xlabel, ylabel, ymax, ystep) < 0)
		return -ENOMEM;
	bw = n > 0 ? pw / (double)n : pw;
	for (size_t i = 0; i < n; i++) {
		double base = 0, x = SVG_LEFT + bw * (double)i;

		for (size_t k = 0; k < ns; k++) {
			double h = s[k].v[i] / ymax * ph;

			if (s[k].line || s[k].v[i] <= 0)
				continue;
			ret |= buf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
			    "<title>", x + bw * 0.1, SVG_TOP + ph - (base +
			    s[k].v[i]) / ymax * ph, bw * 0.8, h, s[k].color);
			ret |= report_html_escape(o, labels[i]);
			ret |= buf_printf(o, " ");
			ret |= report_html_escape(o, s[k].name);
			ret |= buf_printf(o, ": %.0f</title></rect>", s[k].v[i]);
			base += s[k].v[i];
		}
		if (step > 0 && i % step == 0) {
			ret |= buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" "
			    "class=\"xl\">", x + bw / 2, SVG_TOP + ph + 16);
			ret |= report_html_escape(o, labels[i]);
			ret |= buf_puts(o, "</text>");
		}
	}
	for (size_t k = 0; k < ns; k++) {
		if (!s[k].line)
			continue;
		ret |= buf_printf(o, "<polyline fill=\"none\" stroke=\"%s\" "
		    "stroke-width=\"2\" stroke-dasharray=\"5 3\" points=\"",
		    s[k].color);
		for (size_t i = 0; i < n; i++)
			ret |= buf_printf(o, "%.1f,%.1f ", SVG_LEFT + bw *
			    ((double)i + 0.5), SVG_TOP + ph - s[k].v[i] /
			    ymax * ph);
		ret |= buf_puts(o, "\"/>");
	}
	/* The legend, above the plot. */
	for (size_t k = 0, x = SVG_LEFT; k < ns; k++) {
		ret |= buf_printf(o, "<rect x=\"%zu\" y=\"%d\" width=\"10\" "
		    "height=\"10\" fill=\"%s\"/><text x=\"%zu\" y=\"%d\" "
		    "class=\"lg\">", x, SVG_TOP - 10, s[k].color, x + 13,
		    SVG_TOP - 1);
		ret |= report_html_escape(o, s[k].name);
		ret |= buf_puts(o, "</text>");
		x += 20 + 6 * strlen(s[k].name);
	}
	ret |= buf_puts(o, "</svg>");
	return ret < 0 ? -ENOMEM : 0;
}

struct svg_view {
	double lon0, lat0, lon1, lat1;	/* degrees */
	double kx, ky;			/* px per degree */
	int w, h;
};

/* A projected x, y (equirectangular, scaled by the middle latitude). */
static double
svg_x(const struct svg_view *v, double lon)
{
	return (lon - v->lon0) * v->kx;
}

/* The projected y of a latitude. */
static double
svg_y(const struct svg_view *v, double lat)
{
	return (v->lat1 - lat) * v->ky;
}

/* Draws the outlines of the countries in view, a point at most every
 * pixel. */
static int
svg_outlines(struct buf *o, const struct svg_view *v)
{
	int ret = buf_puts(o, "<path class=\"land\" d=\"");

	for (size_t i = 0; i < geo_ncountries; i++) {
		const struct geo_country *c = &geo_countries[i];
		int b[4];

		geo_country_bbox(i, &b[0], &b[1], &b[2], &b[3]);
		if (b[2] < v->lon0 * 100 || b[0] > v->lon1 * 100 ||
		    b[3] < v->lat0 * 100 || b[1] > v->lat1 * 100)
			continue;
		for (uint32_t r = 0; r < c->nrings; r++) {
			const struct geo_ring *g = &geo_rings[c->first_ring + r];
			double lx = -1e9, ly = -1e9;

			for (uint32_t k = 0; k < g->n; k++) {
				double x = svg_x(v, geo_points[2 * (g->first +
				    k)] / 100.0);
				double y = svg_y(v, geo_points[2 * (g->first +
				    k) + 1] / 100.0);

				if (k > 0 && k + 1 < g->n && fabs(x - lx) < 1 &&
				    fabs(y - ly) < 1)
					continue;
				ret |= buf_printf(o, "%c%.0f %.0f", k == 0 ? 'M' :
				    'L', x, y);
				lx = x;
				ly = y;
			}
			ret |= buf_puts(o, "Z");
		}
	}
	ret |= buf_puts(o, "\"/>");
	return ret < 0 ? -ENOMEM : 0;
}

/* The view: China and its neighbours when every located scan is there,
 * else the world. */
static void
svg_view_pick(const struct report *r, struct svg_view *v)
{
	bool china = true;

	for (int k = 0; k < 2; k++)
		for (size_t c = 0; c < REPORT_CELLS && china; c++) {
			int lat = (int)(c / 360) - 90, lon = (int)(c % 360) - 180;

			if (r->p[k].cells[c] != 0 && (lat < 15 || lat > 54 ||
			    lon < 72 || lon > 136))
				china = false;
		}
	if (china)
		*v = (struct svg_view){ 72, 15, 136, 55, 0, 0, 0, 0 };
	else
		*v = (struct svg_view){ -180, -58, 180, 84, 0, 0, 0, 0 };
	v->w = SVG_W;
	v->kx = SVG_W / (v->lon1 - v->lon0);
	v->ky = v->kx / cos((v->lat0 + v->lat1) / 2 * M_PI / 180);
	v->h = (int)((v->lat1 - v->lat0) * v->ky);
}

/* The map. */
int
report_svg_map(struct buf *o, const struct report *r, enum report_lang lang)
{
	struct svg_view v;
	uint32_t max = 1;
	int ret = 0;

	svg_view_pick(r, &v);
	for (int k = 0; k < 2; k++)
		for (size_t c = 0; c < REPORT_CELLS; c++)
			if (r->p[k].cells[c] > max)
				max = r->p[k].cells[c];
	ret |= buf_printf(o, "<svg class=\"map\" viewBox=\"-40 0 %d %d\" "
	    "role=\"img\" xmlns=\"http://www.w3.org/2000/svg\"><title>",
	    v.w + 40, v.h + 30);
	ret |= report_html_escape(o, report_text(lang, "map"));
	ret |= buf_printf(o, "</title><rect x=\"0\" y=\"0\" width=\"%d\" "
	    "height=\"%d\" class=\"sea\"/>", v.w, v.h);
	/* The outlines reach past the view: clip them to it. */
	ret |= buf_printf(o, "<defs><clipPath id=\"mapclip\"><rect x=\"0\" "
	    "y=\"0\" width=\"%d\" height=\"%d\"/></clipPath></defs>"
	    "<g clip-path=\"url(#mapclip)\">", v.w, v.h);
	ret |= svg_outlines(o, &v);
	for (int k = 1; k >= 0; k--)
		for (size_t c = 0; c < REPORT_CELLS; c++) {
			uint32_t n = r->p[k].cells[c];
			double lat = (double)(c / 360) - 90 + 0.5;
			double lon = (double)(c % 360) - 180 + 0.5;

			if (n == 0 || lat < v.lat0 || lat > v.lat1)
				continue;
			ret |= buf_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" "
			    "r=\"%.1f\" class=\"%s\"><title>%.1f, %.1f: %u "
			    "(%s)</title></circle>", svg_x(&v, lon),
			    svg_y(&v, lat), 2.5 + 9 * sqrt((double)n / max),
			    k == 0 ? "pt" : "pp", lat, lon, n,
			    report_text(lang, k == 0 ? "this" : "previous"));
		}
	ret |= buf_puts(o, "</g>");
	/* Graticule labels: every 10 degrees. */
	for (int lon = (int)ceil(v.lon0 / 10) * 10; lon <= v.lon1; lon += 10)
		ret |= buf_printf(o, "<text x=\"%.0f\" y=\"%d\" class=\"xl\">"
		    "%d°</text>", svg_x(&v, lon), v.h + 14, lon);
	for (int lat = (int)ceil(v.lat0 / 10) * 10; lat <= v.lat1; lat += 10)
		ret |= buf_printf(o, "<text x=\"-4\" y=\"%.0f\" class=\"yl\">"
		    "%d°</text>", svg_y(&v, lat) + 4, lat);
	ret |= buf_printf(o, "<text x=\"%d\" y=\"%d\" class=\"at\">",
	    v.w / 2, v.h + 28);
	ret |= report_html_escape(o, report_text(lang, "lon"));
	ret |= buf_puts(o, "</text></svg>");
	return ret < 0 ? -ENOMEM : 0;
}
