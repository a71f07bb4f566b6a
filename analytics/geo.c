/* geo.c — which country holds a point: ray casting over the shipped
 * outlines, behind each country's bounding box, smallest first; a point
 * outside them all
 * goes to the country whose outline passes within 0.2 degree of it, the
 * nearest. */
#include "analytics/geo.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

/* How far outside every outline a point still counts for the nearest
 * country: 0.2 degree (about 20 km), in hundredths of a degree. */
#define GEO_SNAP 20.0

struct geo_box {
	int lon0, lat0, lon1, lat1;
};

static struct geo_box *geo_boxes;
static size_t *geo_order;		/* countries, smallest box first */
static pthread_once_t geo_once = PTHREAD_ONCE_INIT;

/* Computes every country's bounding box once. */
static void
geo_boxes_init(void)
{
	struct geo_box *b = calloc(geo_ncountries, sizeof(*b));

	if (b == NULL)
		return;		/* geo_country_at then finds nothing */
	for (size_t i = 0; i < geo_ncountries; i++) {
		const struct geo_country *c = &geo_countries[i];

		b[i] = (struct geo_box){ 32767, 32767, -32768, -32768 };
		for (uint32_t r = 0; r < c->nrings; r++) {
			const struct geo_ring *g = &geo_rings[c->first_ring + r];

			for (uint32_t k = 0; k < g->n; k++) {
				int x = geo_points[2 * (g->first + k)];
				int y = geo_points[2 * (g->first + k) + 1];

				if (x < b[i].lon0)
					b[i].lon0 = x;
				if (x > b[i].lon1)
					b[i].lon1 = x;
				if (y < b[i].lat0)
					b[i].lat0 = y;
				if (y > b[i].lat1)
					b[i].lat1 = y;
			}
		}
	}
	if ((geo_order = malloc(geo_ncountries * sizeof(*geo_order))) == NULL) {
		free(b);
		return;
	}
	/* Insertion sort by box area (ties: file order): where simplified
	 * outlines overlap, a small country inside a large one's outline
	 * (Macao, Hong Kong) is the better answer. */
	for (size_t i = 0; i < geo_ncountries; i++) {
		size_t j = i;
		int64_t a = (int64_t)(b[i].lon1 - b[i].lon0) *
		    (b[i].lat1 - b[i].lat0);

		while (j > 0 && (int64_t)(b[geo_order[j - 1]].lon1 -
		    b[geo_order[j - 1]].lon0) * (b[geo_order[j - 1]].lat1 -
		    b[geo_order[j - 1]].lat0) > a) {
			geo_order[j] = geo_order[j - 1];
			j--;
		}
		geo_order[j] = i;
	}
	geo_boxes = b;
}

/* True when the point (x, y) is inside ring g (even-odd rule). */
static bool
geo_ring_holds(const struct geo_ring *g, double x, double y)
{
	bool in = false;

	for (uint32_t i = 0, j = g->n - 1; i < g->n; j = i++) {
		double xi = geo_points[2 * (g->first + i)];
		double yi = geo_points[2 * (g->first + i) + 1];
		double xj = geo_points[2 * (g->first + j)];
		double yj = geo_points[2 * (g->first + j) + 1];

		if ((yi > y) != (yj > y) &&
		    x < (xj - xi) * (y - yi) / (yj - yi) + xi)
			in = !in;
	}
	return in;
}

/* The squared distance from (x, y) to the nearest edge of ring g, with
 * x scaled by kx (a degree of longitude is shorter away from the
 * equator). */
static double
geo_ring_dist2(const struct geo_ring *g, double x, double y, double kx)
{
	double best = INFINITY;

	for (uint32_t i = 0, j = g->n - 1; i < g->n; j = i++) {
		double ax = geo_points[2 * (g->first + j)] * kx;
		double ay = geo_points[2 * (g->first + j) + 1];
		double bx = geo_points[2 * (g->first + i)] * kx;
		double by = geo_points[2 * (g->first + i) + 1];
		double dx = bx - ax, dy = by - ay, px = x * kx - ax, py = y - ay;
		double len = dx * dx + dy * dy;
		double t = len > 0 ? (px * dx + py * dy) / len : 0, d;

		t = t < 0 ? 0 : t > 1 ? 1 : t;
		d = (px - t * dx) * (px - t * dx) + (py - t * dy) * (py - t * dy);
		if (d < best)
			best = d;
	}
	return best;
}

/* The country whose outline passes nearest a point outside all of them,
 * if within GEO_SNAP: the simplified coasts cut off ports and islands. */
static int
geo_country_near(double x, double y)
{
	double kx = cos(y / 100 * M_PI / 180), best = GEO_SNAP * GEO_SNAP;
	int found = -1;

	for (size_t i = 0; i < geo_ncountries; i++) {
		const struct geo_country *c = &geo_countries[i];
		const struct geo_box *b = &geo_boxes[i];

		if (x < b->lon0 - GEO_SNAP / kx || x > b->lon1 + GEO_SNAP / kx ||
		    y < b->lat0 - GEO_SNAP || y > b->lat1 + GEO_SNAP)
			continue;
		for (uint32_t r = 0; r < c->nrings; r++) {
			double d = geo_ring_dist2(&geo_rings[c->first_ring + r],
			    x, y, kx);

			if (d < best) {
				best = d;
				found = (int)i;
			}
		}
	}
	return found;
}

/* Finds the country of a point. */
int
geo_country_at(double lat, double lon)
{
	double x = lon * 100, y = lat * 100;

	pthread_once(&geo_once, geo_boxes_init);
	if (geo_boxes == NULL || !isfinite(x) || !isfinite(y) ||
	    fabs(lat) > 90 || fabs(lon) > 180)
		return -1;
	for (size_t k = 0; k < geo_ncountries; k++) {
		size_t i = geo_order[k];
		const struct geo_country *c = &geo_countries[i];
		const struct geo_box *b = &geo_boxes[i];
		bool in = false;

		if (x < b->lon0 || x > b->lon1 || y < b->lat0 || y > b->lat1)
			continue;
		/* Rings of a country: outer rings and holes alike flip. */
		for (uint32_t r = 0; r < c->nrings; r++)
			if (geo_ring_holds(&geo_rings[c->first_ring + r], x, y))
				in = !in;
		if (in)
			return (int)i;
	}
	return geo_country_near(x, y);
}

/* A country's bounding box. */
void
geo_country_bbox(size_t i, int *lon0, int *lat0, int *lon1, int *lat1)
{
	pthread_once(&geo_once, geo_boxes_init);
	if (geo_boxes == NULL) {
		*lon0 = *lat0 = *lon1 = *lat1 = 0;
		return;
	}
	*lon0 = geo_boxes[i].lon0;
	*lat0 = geo_boxes[i].lat0;
	*lon1 = geo_boxes[i].lon1;
	*lat1 = geo_boxes[i].lat1;
}
