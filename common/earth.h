/*
 * earth.h — distances on the earth, as the signals' rules and store
 * check-ins measure them: the great circle of a sphere of the mean radius.
 */
#ifndef SCANLOOP_EARTH_H
#define SCANLOOP_EARTH_H

/* The mean earth radius (IUGG), metres. */
#define EARTH_RADIUS_M 6371008.8

/* Great-circle distance in metres between two points in degrees
 * (haversine). */
double earth_distance_m(double lat1, double lon1, double lat2, double lon2);

#endif
