/* geo.c — which country holds a point: ray casting over the shipped
 * outlines, behind each country's bounding box. */
#include "analytics/geo.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct geo_box {
	int lon0, lat0, lon1, lat1;
};

static struct geo_box *geo_boxes;
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

/* Finds the country of a point. */
int
geo_country_at(double lat, double lon)
{
	double x = lon * 100, y = lat * 100;

	pthread_once(&geo_once, geo_boxes_init);
	if (geo_boxes == NULL || !isfinite(x) || !isfinite(y))
		return -1;
	for (size_t i = 0; i < geo_ncountries; i++) {
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
	return -1;
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
