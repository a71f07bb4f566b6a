/*
 * gs1_ai.c — the GS1 Application Identifiers: which all-digit names are
 * AIs, which of them a Digital Link may carry as a data attribute (in its
 * query), and the character set, length and check digits of their values,
 * as the GS1 General Specifications (section 3) define them.
 */
#include "codegen/gs1.h"

#include <errno.h>
#include <string.h>

#define GS1_ATTR 0x1		/* a Digital Link data attribute */

/*
 * One AI or a block of AIs: every digit of the AI lies between the digits
 * of lo and hi at its place ("3100".."3165" is 3100-3105, 3110-3115, ...
 * 3160-3165). A value is nlead digits (the first csum of them ending in
 * their GS1 check digit), then characters of the set rest ('N' digits, 'X'
 * CSET 82, 'Y' CSET 39, 'Z' base64url), min to max characters in all.
 */
struct gs1_ai {
	char lo[5];
	char hi[5];
	uint8_t flags;
	uint8_t nlead;
	uint8_t csum;
	char rest;
	uint8_t min;
	uint8_t max;
};

#define A GS1_ATTR
static const struct gs1_ai gs1_ais[] = {
	{ "00", "00", A, 18, 18, 0, 18, 18 },	/* SSCC */
	{ "01", "02", A, 14, 14, 0, 14, 14 },	/* GTIN, CONTENT */
	{ "03", "03", 0, 14, 14, 0, 14, 14 },	/* MTO GTIN */
	{ "10", "10", A, 0, 0, 'X', 1, 20 },	/* lot */
	{ "11", "13", A, 0, 0, 'N', 6, 6 },	/* dates */
	{ "15", "17", A, 0, 0, 'N', 6, 6 },	/* dates */
	{ "20", "20", A, 0, 0, 'N', 2, 2 },	/* variant */
	{ "21", "22", 0, 0, 0, 'X', 1, 20 },	/* serial, CPV */
	{ "235", "235", 0, 0, 0, 'X', 1, 28 },	/* TPX */
	{ "240", "241", A, 0, 0, 'X', 1, 30 },
	{ "242", "242", A, 0, 0, 'N', 1, 6 },
	{ "243", "243", A, 0, 0, 'X', 1, 20 },
	{ "250", "251", A, 0, 0, 'X', 1, 30 },
	{ "253", "253", A, 13, 13, 'X', 13, 30 },	/* GDTI */
	{ "254", "254", 0, 0, 0, 'X', 1, 20 },
	{ "255", "255", A, 13, 13, 'N', 13, 25 },	/* GCN */
	{ "30", "30", A, 0, 0, 'N', 1, 8 },
	{ "3100", "3165", A, 0, 0, 'N', 6, 6 },	/* measures */
	{ "3200", "3295", A, 0, 0, 'N', 6, 6 },
	{ "3300", "3375", A, 0, 0, 'N', 6, 6 },
	{ "3400", "3495", A, 0, 0, 'N', 6, 6 },
	{ "3500", "3575", A, 0, 0, 'N', 6, 6 },
	{ "3600", "3695", A, 0, 0, 'N', 6, 6 },
	{ "37", "37", A, 0, 0, 'N', 1, 8 },
	{ "3900", "3909", A, 0, 0, 'N', 1, 15 },	/* amounts */
	{ "3910", "3919", A, 3, 0, 'N', 4, 18 },
	{ "3920", "3929", A, 0, 0, 'N', 1, 15 },
	{ "3930", "3939", A, 3, 0, 'N', 4, 18 },
	{ "3940", "3943", A, 0, 0, 'N', 4, 4 },
	{ "3950", "3955", A, 0, 0, 'N', 6, 6 },
	{ "400", "401", A, 0, 0, 'X', 1, 30 },
	{ "402", "402", A, 17, 17, 0, 17, 17 },	/* GSIN */
	{ "403", "403", A, 0, 0, 'X', 1, 30 },
	{ "410", "417", A, 13, 13, 0, 13, 13 },	/* GLNs */
	{ "420", "420", A, 0, 0, 'X', 1, 20 },
	{ "421", "421", A, 3, 0, 'X', 4, 12 },
	{ "422", "422", A, 0, 0, 'N', 3, 3 },
	{ "423", "423", A, 0, 0, 'N', 3, 15 },
	{ "424", "424", A, 0, 0, 'N', 3, 3 },
	{ "425", "425", A, 0, 0, 'N', 3, 15 },
	{ "426", "426", A, 0, 0, 'N', 3, 3 },
	{ "427", "427", A, 0, 0, 'X', 1, 3 },
	{ "4300", "4301", A, 0, 0, 'X', 1, 35 },	/* ship to / from */
	{ "4302", "4306", A, 0, 0, 'X', 1, 70 },
	{ "4307", "4307", A, 0, 0, 'X', 2, 2 },
	{ "4308", "4308", A, 0, 0, 'X', 1, 30 },
	{ "4309", "4309", A, 0, 0, 'N', 20, 20 },
	{ "4310", "4311", A, 0, 0, 'X', 1, 35 },
	{ "4312", "4316", A, 0, 0, 'X', 1, 70 },
	{ "4317", "4317", A, 0, 0, 'X', 2, 2 },
	{ "4318", "4318", A, 0, 0, 'X', 1, 20 },
	{ "4319", "4319", A, 0, 0, 'X', 1, 30 },
	{ "4320", "4320", A, 0, 0, 'X', 1, 35 },
	{ "4321", "4323", A, 0, 0, 'N', 1, 1 },
	{ "4324", "4325", A, 0, 0, 'N', 10, 10 },
	{ "4326", "4326", A, 0, 0, 'N', 6, 6 },
	{ "4330", "4333", A, 6, 0, 'X', 6, 7 },
	{ "7001", "7001", A, 0, 0, 'N', 13, 13 },
	{ "7002", "7002", A, 0, 0, 'X', 1, 30 },
	{ "7003", "7003", A, 0, 0, 'N', 10, 10 },
	{ "7004", "7004", A, 0, 0, 'N', 1, 4 },
	{ "7005", "7005", A, 0, 0, 'X', 1, 12 },
	{ "7006", "7006", A, 0, 0, 'N', 6, 6 },
	{ "7007", "7007", A, 0, 0, 'N', 6, 12 },
	{ "7008", "7008", A, 0, 0, 'X', 1, 3 },
	{ "7009", "7009", A, 0, 0, 'X', 1, 10 },
	{ "7010", "7010", A, 0, 0, 'X', 1, 2 },
	{ "7011", "7011", A, 0, 0, 'N', 6, 10 },
	{ "7020", "7022", A, 0, 0, 'X', 1, 20 },
	{ "7023", "7023", A, 0, 0, 'X', 1, 30 },
	{ "7030", "7039", A, 3, 0, 'X', 4, 30 },	/* processors */
	{ "7040", "7040", 0, 1, 0, 'X', 4, 4 },
	{ "7041", "7041", 0, 0, 0, 'X', 1, 4 },
	{ "710", "717", A, 0, 0, 'X', 1, 20 },	/* NHRNs */
	{ "7230", "7239", A, 0, 0, 'X', 3, 30 },	/* certifications */
	{ "7240", "7240", A, 0, 0, 'X', 1, 20 },
	{ "7241", "7241", A, 0, 0, 'N', 2, 2 },
	{ "7242", "7242", A, 0, 0, 'X', 1, 25 },
	{ "7250", "7250", A, 0, 0, 'N', 8, 8 },
	{ "7251", "7251", A, 0, 0, 'N', 12, 12 },
	{ "7252", "7252", A, 0, 0, 'N', 1, 1 },
	{ "7253", "7254", A, 0, 0, 'X', 1, 40 },
	{ "7255", "7255", A, 0, 0, 'X', 1, 10 },
	{ "7256", "7256", A, 0, 0, 'X', 1, 90 },
	{ "7257", "7257", A, 0, 0, 'X', 1, 70 },
	{ "7258", "7258", A, 0, 0, 'X', 3, 3 },
	{ "7259", "7259", A, 0, 0, 'X', 1, 40 },
	{ "8001", "8001", A, 0, 0, 'N', 14, 14 },
	{ "8002", "8002", A, 0, 0, 'X', 1, 20 },
	{ "8003", "8003", A, 14, 14, 'X', 14, 30 },	/* GRAI */
	{ "8004", "8004", A, 0, 0, 'X', 1, 30 },
	{ "8005", "8005", A, 0, 0, 'N', 6, 6 },
	{ "8006", "8006", A, 18, 14, 0, 18, 18 },	/* ITIP */
	{ "8007", "8007", A, 0, 0, 'X', 1, 34 },
	{ "8008", "8008", A, 0, 0, 'N', 8, 12 },
	{ "8009", "8009", A, 0, 0, 'X', 1, 50 },
	{ "8010", "8010", A, 0, 0, 'Y', 1, 30 },
	{ "8011", "8011", 0, 0, 0, 'N', 1, 12 },
	{ "8012", "8012", A, 0, 0, 'X', 1, 20 },
	{ "8013", "8013", A, 0, 0, 'X', 1, 25 },
	{ "8014", "8014", 0, 0, 0, 'X', 1, 25 },
	{ "8017", "8018", A, 18, 18, 0, 18, 18 },	/* GSRNs */
	{ "8019", "8019", 0, 0, 0, 'N', 1, 10 },
	{ "8020", "8020", 0, 0, 0, 'X', 1, 25 },
	{ "8026", "8026", A, 18, 14, 0, 18, 18 },
	{ "8030", "8030", A, 0, 0, 'Z', 1, 90 },
	{ "8040", "8041", 0, 0, 0, 'N', 15, 15 },
	{ "8042", "8042", 0, 0, 0, 'N', 32, 32 },
	{ "8043", "8043", 0, 0, 0, 'N', 18, 20 },
	{ "8110", "8110", A, 0, 0, 'X', 1, 70 },	/* coupons */
	{ "8111", "8111", A, 0, 0, 'N', 4, 4 },
	{ "8112", "8112", A, 0, 0, 'X', 1, 70 },
	{ "8200", "8200", 0, 0, 0, 'X', 1, 70 },
	{ "90", "90", A, 0, 0, 'X', 1, 30 },
	{ "91", "99", A, 0, 0, 'X', 1, 90 },	/* company internal */
};
#undef A

/* The table entry of an all-digit AI name, or NULL. */
static const struct gs1_ai *
gs1_ai_find(const char *ai, size_t len)
{
	for (size_t i = 0; i < sizeof(gs1_ais) / sizeof(gs1_ais[0]); i++) {
		const struct gs1_ai *e = &gs1_ais[i];
		size_t k;

		if (strlen(e->lo) != len)
			continue;
		for (k = 0; k < len; k++)
			if (ai[k] < e->lo[k] || ai[k] > e->hi[k])
				break;
		if (k == len)
			return e;
	}
	return NULL;
}

/* Known AI. */
bool
gs1_ai_known(const char *ai, size_t len)
{
	return gs1_ai_find(ai, len) != NULL;
}

/* True if ch is in GS1 character set 82 (the "X" of AI formats). */
static bool
gs1_cset82(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || (ch != '\0' &&
	    strchr("!\"%&'()*+,-./:;<=>?_", ch) != NULL);
}

/* True if ch is in the character set named by set. */
static bool
gs1_in_set(char set, char ch)
{
	switch (set) {
	case 'N':
		return ch >= '0' && ch <= '9';
	case 'X':
		return gs1_cset82(ch);
	case 'Y':	/* CSET 39 */
		return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '#' || ch == '-' || ch == '/';
	case 'Z':	/* base64url */
		return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		    ch == '=';
	}
	return false;
}

/* Checks a value against its AI's format. */
int
gs1_ai_value_check(const char *ai, size_t ailen, const char *value,
    size_t len, const char **why)
{
	const struct gs1_ai *e = gs1_ai_find(ai, ailen);

	if (e == NULL) {
		*why = "unknown GS1 Application Identifier";
		return -EINVAL;
	}
	if (len < e->min || len > e->max) {
		*why = "a GS1 value has the wrong length for its AI";
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++)
		if (!gs1_in_set(i < e->nlead ? 'N' : e->rest, value[i])) {
			*why = "a GS1 value has a character its AI does not "
			    "allow";
			return -EINVAL;
		}
	if (e->csum > 0 &&
	    gtin_check_digit(value, e->csum - 1U) != value[e->csum - 1]) {
		*why = "a GS1 value has a wrong check digit";
		return -EINVAL;
	}
	return 0;
}

/* Data attribute. */
bool
gs1_ai_is_attribute(const char *ai, size_t len)
{
	const struct gs1_ai *e = gs1_ai_find(ai, len);

	return e != NULL && (e->flags & GS1_ATTR) != 0;
}
