/*
 * verdict.h — the verdict on a scanned code and why, as scan events store
 * them (store_event.verdict and .reason) and exports name them.
 *
 * The verdict is decided in scanner/verify.c; its reason there is a
 * sentence for people (verify_result.reason). The event keeps a one-byte
 * reason code instead, mapped from that sentence by the table in
 * verdict.c, so that an export can give every reason a stable name. Codes
 * and names are a stable interface (docs/export.md): new reasons are added
 * at the end of the table, never renumbered or renamed.
 */
#ifndef SCANLOOP_VERDICT_H
#define SCANLOOP_VERDICT_H

enum verdict {
	VERDICT_GENUINE,	/* genuine, batch active, not void */
	VERDICT_NOT_ACTIVE,	/* genuine, batch not activated yet */
	VERDICT_VOID,		/* genuine, but voided */
	VERDICT_FORGED,		/* signature, key, serial or GTIN wrong */
	VERDICT_MALFORMED,	/* not a scanloop code at all */
};
#define VERDICT_COUNT 5

/* Reason 0 is "none" (a genuine code, or an event stored before reasons
 * were); VERDICT_REASON_UNCLASSIFIED is a reason text the table does not
 * know. */
#define VERDICT_REASON_NONE 0
#define VERDICT_REASON_UNCLASSIFIED 255

/* Returns "genuine", "not_active", "void", "forged", "malformed" or "?". */
const char *verdict_name(int v);
/* Parses a verdict name; returns the verdict or -EINVAL. */
int verdict_parse(const char *name);
/* Returns the stable name of a reason code ("bad_signature"), or NULL for
 * VERDICT_REASON_NONE and codes the table does not hold. */
const char *verdict_reason_name(int code);
/* Maps the reason sentence of a verdict (verify_result.reason; NULL for
 * none) to its code; a sentence not in the table gives
 * VERDICT_REASON_UNCLASSIFIED. */
int verdict_reason_code(const char *text);

#endif
