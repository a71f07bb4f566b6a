/*
 * signals.c — the rules that raise signals from scans (leaked_job, clone,
 * diversion, forgery_burst), their settings and the sales regions'
 * circles. docs/signals.md states each rule; keep the two in step.
 */
#include "analytics/signals.h"
#include "common/earth.h"
#include "rewards/tags.h"
#include "store/dealer.h"
#include "store/verdict.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Earlier scans of a code a clone check reads at most. */
#define SIGNALS_CLONE_WALK 64
#define SIGNALS_HOUR_US (3600LL * 1000000)

static const char *const signals_kind_names[SIGNALS_KINDS] = {
	[SIGNALS_LEAKED_JOB] = "leaked_job",
	[SIGNALS_CLONE] = "clone",
	[SIGNALS_DIVERSION] = "diversion",
	[SIGNALS_FORGERY_BURST] = "forgery_burst",
	[SIGNALS_REDEMPTION_ANOMALY] = "redemption_anomaly",
};

const struct signals_setting signals_settings[] = {
	{ "clone.km", 50, 0.001, 20040, false,
	    "                        clone: scans more than this many km apart (less\n"
	    "                        both accuracies)" },
	{ "clone.hours", 24, 0.001, 8760, false,
	    "                        clone: ... within this many hours" },
	{ "burst.per_hour", 20, 1, 1e9, true,
	    "                        forgery_burst: more forged or malformed "
	    "scans than\n"
	    "                        this from one /24 or /48 in a UTC hour" },
	{ "redemption.days", 30, 1, 3660, true,
	    "                        redemption_anomaly: the period when --from "
	    "is not\n"
	    "                        given" },
	{ "redemption.km", 5, 0.01, 1000, false,
	    "                        redemption_anomaly: a scan counts for the "
	    "nearest\n"
	    "                        store within this many km" },
	{ "redemption.min", 10, 1, 1e9, true,
	    "                        redemption_anomaly: redemptions a store "
	    "needs at\n"
	    "                        least" },
	{ "redemption.ratio", 3, 1, 1e6, false,
	    "                        redemption_anomaly: redemptions at least "
	    "this many\n"
	    "                        times the expected" },
	{ "redemption.p", 0.001, 1e-12, 0.5, false,
	    "                        redemption_anomaly: binomial upper-tail "
	    "probability\n"
	    "                        at most" },
	/* Not signals': the member tags' points tiers (rewards/tags.c reads
	 * them, `config set` checks their order). */
	{ "tags.bronze", TAGS_BRONZE_POINTS, 1, TAGS_POINTS_MAX, true,
	    "                        member tag points:bronze: a points balance "
	    "of at\n"
	    "                        least this (below tags.silver)" },
	{ "tags.silver", TAGS_SILVER_POINTS, 1, TAGS_POINTS_MAX, true,
	    "                        points:silver: at least this (below "
	    "tags.gold)" },
	{ "tags.gold", TAGS_GOLD_POINTS, 1, TAGS_POINTS_MAX, true,
	    "                        points:gold: at least this" },
};
const size_t signals_nsettings = sizeof(signals_settings) /
    sizeof(signals_settings[0]);

static const uint8_t signals_zero[16];

/* The name of a kind. */
const char *
signals_kind_name(int kind)
{
	if (kind <= 0 || kind >= SIGNALS_KINDS)
		return "?";
	return signals_kind_names[kind];
}

/* Parses a kind name. */
int
signals_kind_parse(const char *name)
{
	for (int k = 1; k < SIGNALS_KINDS; k++)
		if (strcmp(name, signals_kind_names[k]) == 0)
			return k;
	return -EINVAL;
}

/* Finds a setting. */
const struct signals_setting *
signals_setting_find(const char *name)
{
	for (size_t i = 0; i < signals_nsettings; i++)
		if (strcmp(signals_settings[i].name, name) == 0)
			return &signals_settings[i];
	return NULL;
}

/* Checks a setting's value. */
int
signals_setting_check(const struct signals_setting *s, const char *value,
    double *out, const char **why)
{
	char *end;
	double v;

	*why = NULL;
	if (value[0] == '\0' || value[0] == ' ' || strlen(value) >
	    STORE_CONFIG_VALUE_MAX) {
		*why = "not a number";
		return -EINVAL;
	}
	errno = 0;
	v = strtod(value, &end);
	if (*end != '\0' || errno != 0 || !isfinite(v)) {
		*why = "not a number";
		return -EINVAL;
	}
	if (s->integer && v != floor(v)) {
		*why = "must be a whole number";
		return -EINVAL;
	}
	if (v < s->min || v > s->max) {
		*why = "out of range";
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Reads a setting, its default when absent. */
int
signals_setting_get_txn(struct store_txn *t, const struct signals_setting *s,
    double *value, bool *set)
{
	char text[STORE_CONFIG_VALUE_MAX + 1];
	const char *why;
	int ret;

	*value = s->def;
	*set = false;
	ret = store_config_get_txn(t, s->name, text, sizeof(text));
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	/* A value the CLI checked; one that no longer passes is ignored. */
	if (signals_setting_check(s, text, value, &why) < 0)
		*value = s->def;
	else
		*set = true;
	return 0;
}

/* Reads a setting by name. */
double
signals_setting_txn(struct store_txn *t, const char *name)
{
	const struct signals_setting *s = signals_setting_find(name);
	double v;
	bool set;

	if (s == NULL)
		abort();
	if (signals_setting_get_txn(t, s, &v, &set) < 0)
		return s->def;
	return v;
}

/* Parses a number and the separator after it. */
static bool
signals_number(const char **p, char sep, double *out)
{
	char *end;

	if (**p == ' ' || **p == '\0')
		return false;
	errno = 0;
	*out = strtod(*p, &end);
	if (end == *p || errno != 0 || !isfinite(*out) || *end != sep)
		return false;
	*p = sep == '\0' ? end : end + 1;
	return true;
}

/* Parses LAT,LON,KM. */
int
signals_circle_parse(const char *text, struct store_circle *c,
    const char **why)
{
	const char *p = text;

	if (!signals_number(&p, ',', &c->lat) ||
	    !signals_number(&p, ',', &c->lon) ||
	    !signals_number(&p, '\0', &c->km)) {
		*why = "a circle is LAT,LON,KM (degrees and kilometres, e.g. "
		    "31.23,121.47,300)";
		return -EINVAL;
	}
	if (c->lat < -90 || c->lat > 90 || c->lon < -180 || c->lon > 180) {
		*why = "latitude must be in [-90, 90] and longitude in "
		    "[-180, 180]";
		return -EINVAL;
	}
	if (!(c->km > 0) || c->km > 20040) {
		*why = "the radius must be more than 0 and at most 20040 km";
		return -EINVAL;
	}
	return 0;
}

/* Great-circle distance (haversine). */
double
signals_distance_km(double lat1, double lon1, double lat2, double lon2)
{
	return earth_distance_m(lat1, lon1, lat2, lon2) / 1000;
}

/* True for a scan a person made of a code whose signature matched. */
static bool
signals_human_auth(const struct store_event *ev)
{
	return (ev->flags & STORE_EVENT_F_HUMAN) &&
	    (ev->flags & STORE_EVENT_F_AUTH) &&
	    !(ev->flags & STORE_EVENT_F_HEAD);
}

/* Zeroes the host bits: an IPv4 /24, an IPv6 /48. Returns the length. */
static unsigned
signals_prefix(uint8_t family, const uint8_t ip[16], uint8_t out[16])
{
	unsigned keep = family == 4 ? 3 : 6;

	memset(out, 0, 16);
	memcpy(out, ip, keep);
	return keep * 8;
}

/* Starts a signal of a kind about an event: its time, code, where. */
static void
signals_init(struct store_signal *s, int kind, const struct store_event *ev)
{
	memset(s, 0, sizeof(*s));
	s->kind = (uint8_t)kind;
	/* Raised when the scan commits, or when its location does. */
	s->time = ev->location_time > ev->time ? ev->location_time : ev->time;
	memcpy(s->serial, ev->serial, STORE_SERIAL_BYTES);
	s->batch_id = ev->batch_id;
	s->nevents = 1;
	s->event_ids[0] = ev->id;
	if (ev->flags & STORE_EVENT_F_LOCATION) {
		s->flags |= STORE_SIGNAL_F_LOCATION;
		s->lat = ev->lat;
		s->lon = ev->lon;
	}
	if (ev->ip_family == 4 || ev->ip_family == 6) {
		s->flags |= STORE_SIGNAL_F_PREFIX;
		s->ip_family = ev->ip_family;
		s->prefix_len = (uint8_t)signals_prefix(ev->ip_family, ev->ip,
		    s->ip);
	}
}

/* Stores a signal and counts it. */
static int
signals_raise(struct store_txn *t, struct store_signal *s,
    struct signals_raised *r)
{
	int ret;

	if ((ret = store_signal_add_txn(t, s)) < 0)
		return ret;
	r->n[s->kind]++;
	return 0;
}

/* "batch 3 (line L2)" or "batch 3", into buf. */
static void
signals_batch_text(struct store_txn *t, uint32_t id, char *buf, size_t cap)
{
	struct store_batch b;

	if (store_batch_get_txn(t, id, &b) == 0 && b.line[0] != '\0')
		snprintf(buf, cap, "batch %u (line %s)", id, b.line);
	else
		snprintf(buf, cap, "batch %u", id);
}

/* leaked_job: a scan of a code minted but not activated. */
static int
signals_leaked(struct store_txn *t, const struct store_event *ev,
    struct signals_raised *r)
{
	struct store_signal s;
	char batch[64];

	if (ev->verdict != VERDICT_NOT_ACTIVE || ev->batch_id == 0)
		return 0;
	signals_init(&s, SIGNALS_LEAKED_JOB, ev);
	signals_batch_text(t, ev->batch_id, batch, sizeof(batch));
	snprintf(s.detail, sizeof(s.detail), "a code of %s was scanned "
	    "before the batch was activated (%s)", batch,
	    ev->flags & STORE_EVENT_F_HUMAN ? "by a person" :
	    ev->flags & STORE_EVENT_F_HEAD ? "a HEAD request" : "by a bot");
	return signals_raise(t, &s, r);
}

/* clone: another visitor's located human scan of the same code, far away
 * within the window. Walks the code's chain from start, newest first. */
static int
signals_clone(struct store_txn *t, const struct store_event *ev,
    uint64_t start, struct signals_raised *r)
{
	struct store_event e;
	struct store_signal s;
	double km, hours, d = 0, acc, apart;
	int64_t window;
	uint64_t id;
	int ret, n;
	bool found = false;

	if (start == 0 || !signals_human_auth(ev) ||
	    !(ev->flags & STORE_EVENT_F_LOCATION))
		return 0;
	km = signals_setting_txn(t, "clone.km");
	hours = signals_setting_txn(t, "clone.hours");
	window = (int64_t)(hours * SIGNALS_HOUR_US);
	for (id = start, n = 0; id != 0 && n < SIGNALS_CLONE_WALK; n++) {
		if ((ret = store_event_get_txn(t, id, &e)) < 0)
			return ret == -ENOENT ? 0 : ret;
		id = e.prev_same_code;
		if (e.id == ev->id)
			continue;
		if (e.time < ev->time - window)
			break;
		if (e.time > ev->time + window || !signals_human_auth(&e) ||
		    !(e.flags & STORE_EVENT_F_LOCATION) ||
		    memcmp(e.visitor, ev->visitor, STORE_VISITOR_BYTES) == 0)
			continue;
		acc = ((double)e.accuracy + (double)ev->accuracy) / 1000;
		d = signals_distance_km(e.lat, e.lon, ev->lat, ev->lon);
		if (d - acc > km) {
			found = true;
			break;
		}
	}
	if (!found)
		return 0;
	signals_init(&s, SIGNALS_CLONE, ev);
	s.nevents = 2;
	s.event_ids[0] = e.id < ev->id ? e.id : ev->id;
	s.event_ids[1] = e.id < ev->id ? ev->id : e.id;
	apart = (double)llabs(ev->time - e.time) / SIGNALS_HOUR_US;
	snprintf(s.detail, sizeof(s.detail), "scanned by two visitors %.0f km "
	    "apart, %.*f %s apart (at %.4f, %.4f and %.4f, %.4f)", d,
	    apart < 1 ? 0 : 1, apart < 1 ? apart * 60 : apart,
	    apart < 1 ? "min" : "h", e.lat, e.lon, ev->lat, ev->lon);
	r->elsewhere = true;
	return signals_raise(t, &s, r);
}

/* The region a scanned item is expected in: that of the dealer who
 * received it (when it has one; d->id set), else its batch's. -ENOENT
 * when neither has one. */
static int
signals_region_txn(struct store_txn *t, const struct store_event *ev,
    struct store_circle *c, size_t *n, struct store_dealer *d)
{
	struct store_binding b;
	int ret;

	d->id[0] = '\0';
	if ((ret = store_binding_get_txn(t, ev->serial, &b)) == 0 &&
	    (ret = store_dealer_get_txn(t, b.dealer, d)) == 0 &&
	    d->nregion > 0 && d->nregion <= STORE_REGION_MAX) {
		*n = d->nregion;
		memcpy(c, d->region, *n * sizeof(*c));
		return 0;
	}
	if (ret < 0 && ret != -ENOENT)
		return ret;
	d->id[0] = '\0';
	return store_region_get_txn(t, ev->batch_id, c, n);
}

/* diversion: a located human scan outside every circle of its region:
 * its dealer's, else its batch's. */
static int
signals_diversion(struct store_txn *t, const struct store_event *ev,
    struct signals_raised *r)
{
	struct store_circle c[STORE_REGION_MAX];
	struct store_dealer d;
	struct store_signal s;
	double acc, dist, nearest = INFINITY;
	char batch[64];
	size_t n, near = 0;
	int ret;

	if (ev->batch_id == 0 || !signals_human_auth(ev) ||
	    !(ev->flags & STORE_EVENT_F_LOCATION))
		return 0;
	if ((ret = signals_region_txn(t, ev, c, &n, &d)) == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	acc = (double)ev->accuracy / 1000;
	for (size_t i = 0; i < n; i++) {
		dist = signals_distance_km(c[i].lat, c[i].lon, ev->lat,
		    ev->lon) - c[i].km - acc;
		if (dist <= 0)
			return 0;
		if (dist < nearest) {
			nearest = dist;
			near = i;
		}
	}
	signals_init(&s, SIGNALS_DIVERSION, ev);
	signals_batch_text(t, ev->batch_id, batch, sizeof(batch));
	if (d.id[0] != '\0') {
		memcpy(s.dealer, d.id, sizeof(s.dealer));
		snprintf(s.detail, sizeof(s.detail), "%s scanned at %.4f, "
		    "%.4f, %.0f km outside the region of dealer %s (nearest: "
		    "%.4g, %.4g, %.4g km)", batch, ev->lat, ev->lon, nearest,
		    d.id, c[near].lat, c[near].lon, c[near].km);
	} else
		snprintf(s.detail, sizeof(s.detail), "%s scanned at %.4f, "
		    "%.4f, %.0f km outside its sales region", batch, ev->lat,
		    ev->lon, nearest);
	return signals_raise(t, &s, r);
}

/* forgery_burst: forged and malformed scans of one prefix in one UTC hour
 * above burst.per_hour, as counted in c (the network-hour's forged
 * count, not yet written back); once per prefix and hour, marked in c. */
static int
signals_burst(struct store_txn *t, const struct store_event *ev,
    struct store_forged_count *c, struct signals_raised *r)
{
	struct store_signal s;
	char net[64], when[32];
	uint8_t prefix[16];
	time_t sec;
	struct tm tm;
	unsigned len;
	double limit;
	int ret;

	if (c == NULL || c->signal_id != 0 ||
	    (ev->ip_family != 4 && ev->ip_family != 6))
		return 0;
	limit = signals_setting_txn(t, "burst.per_hour");
	if ((double)(c->forged + c->malformed) <= limit)
		return 0;
	len = signals_prefix(ev->ip_family, ev->ip, prefix);
	signals_init(&s, SIGNALS_FORGERY_BURST, ev);
	memset(s.serial, 0, sizeof(s.serial));
	s.batch_id = 0;
	s.flags &= (uint8_t)~STORE_SIGNAL_F_LOCATION;
	s.nevents = 2;
	s.event_ids[0] = c->first_event;
	s.event_ids[1] = ev->id;
	if (inet_ntop(ev->ip_family == 4 ? AF_INET : AF_INET6, prefix,
	    net, sizeof(net)) == NULL)
		strcpy(net, "?");
	sec = (time_t)(ev->time / SIGNALS_HOUR_US) * 3600;
	gmtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:00Z", &tm);
	snprintf(s.detail, sizeof(s.detail), "more than %.0f forged or "
	    "malformed scans from %s/%u in the hour from %s", limit, net,
	    len, when);
	if ((ret = signals_raise(t, &s, r)) < 0)
		return ret;
	c->signal_id = s.id;
	return 0;
}

/* The rules of an appended event. */
int
signals_event_txn(struct store_txn *t, const struct store_event *ev,
    struct store_forged_count *forged, struct signals_raised *r)
{
	int ret;

	if ((ret = signals_leaked(t, ev, r)) < 0 ||
	    (ret = signals_burst(t, ev, forged, r)) < 0)
		return ret;
	/* The rest need a location: most scans stop here. */
	if (!(ev->flags & STORE_EVENT_F_LOCATION) ||
	    memcmp(ev->serial, signals_zero, STORE_SERIAL_BYTES) == 0)
		return 0;
	if ((ret = signals_clone(t, ev, ev->prev_same_code, r)) < 0)
		return ret;
	return signals_diversion(t, ev, r);
}

/* The rules of a location attached to an event. */
int
signals_location_txn(struct store_txn *t, const struct store_event *ev,
    uint64_t head, struct signals_raised *r)
{
	int ret;

	if (memcmp(ev->serial, signals_zero, STORE_SERIAL_BYTES) == 0)
		return 0;
	if ((ret = signals_clone(t, ev, head, r)) < 0)
		return ret;
	return signals_diversion(t, ev, r);
}
