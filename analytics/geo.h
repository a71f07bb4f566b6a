/*
 * geo.h — countries for the report's map and its table by area: outlines
 * of Natural Earth's 1:50m admin-0 countries (public domain), simplified
 * to 0.1 degree and shipped as analytics/data/countries.txt (source,
 * licence and how it was made: analytics/data/README.md); the build turns
 * that file into the arrays below (analytics/data/outline.py).
 */
#ifndef SCANLOOP_GEO_H
#define SCANLOOP_GEO_H

#include <stddef.h>
#include <stdint.h>

/* A ring: n points from geo_points[2 * first], (lon, lat) pairs in
 * hundredths of a degree, closed implicitly. */
struct geo_ring {
	uint32_t first;
	uint32_t n;
};

struct geo_country {
	int id;				/* ISO 3166-1 numeric */
	const char *name;		/* English, Natural Earth's */
	const char *name_zh;		/* Chinese, or NULL */
	uint32_t first_ring;
	uint32_t nrings;
};

extern const int16_t geo_points[];
extern const struct geo_ring geo_rings[];
extern const struct geo_country geo_countries[];
extern const size_t geo_ncountries;

/* The index of the country that holds (lat, lon), else of the one whose
 * outline passes nearest within 0.2 degree (the simplified coasts cut off
 * ports and small islands), else -1 (the sea). Thread-safe. */
int geo_country_at(double lat, double lon);
/* The bounding box of a country, hundredths of a degree. */
void geo_country_bbox(size_t i, int *lon0, int *lat0, int *lon1, int *lat1);

#endif
