/*
 * record.c — the records: a stored scan event, draw, redemption or signal
 * as the JSON object the exports write (docs/export.md, docs/draws.md,
 * docs/signals.md), with "type" and "node" first. Scans and signals go
 * through the exports' own writer and field order; draws and claims
 * through their JSON objects.
 */
#include "stream/stream_internal.h"
#include "analytics/analytics.h"
#include "analytics/signals.h"
#include "rewards/drawlog.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The writer's sink: the record's bytes go to s->value. */
static int
stream_record_sink(void *arg, const void *data, size_t len)
{
	struct stream *s = arg;

	return buf_append(&s->value, data, len);
}

/* Prepares a JSON Lines writer of "type", "node" and fields into
 * s->value. */
static int
stream_writer_init(struct stream *s, struct output *o, const char ***names,
    const char *const *fields, size_t nfields)
{
	if ((*names = calloc(nfields + 2, sizeof(**names))) == NULL)
		return -ENOMEM;
	(*names)[0] = "type";
	(*names)[1] = "node";
	for (size_t i = 0; i < nfields; i++)
		(*names)[i + 2] = fields[i];
	return output_init(o, OUTPUT_JSONL, *names, nfields + 2,
	    stream_record_sink, s);
}

/* Prepares the writers of scan and signal records. */
int
stream_record_init(struct stream *s)
{
	int ret;

	if ((ret = stream_writer_init(s, &s->out, &s->names,
	    analytics_scan_fields, analytics_scan_nfields)) < 0)
		return ret;
	return stream_writer_init(s, &s->sig_out, &s->sig_names,
	    signals_fields, signals_nfields);
}

/* Frees the writers. */
void
stream_record_deinit(struct stream *s)
{
	if (s->names != NULL)
		output_deinit(&s->out);
	if (s->sig_names != NULL)
		output_deinit(&s->sig_out);
	free(s->names);
	free(s->sig_names);
	s->names = NULL;
	s->sig_names = NULL;
	buf_free(&s->value);
}

/* Drops the line end the writer put after a record. */
static void
stream_record_trim(struct stream *s)
{
	if (s->value.len > 0 && s->value.data[s->value.len - 1] == '\n')
		s->value.len--;
}

/* A scan event's record. */
int
stream_record_scan(struct stream *s, struct record_decoder *dec,
    const struct store_event *ev, const char *type)
{
	struct scan_record r;
	int ret;

	buf_reset(&s->value);
	if ((ret = record_decode_txn(dec, ev, &r)) < 0)
		return ret;
	output_str(&s->out, type);
	output_u64(&s->out, s->node);
	analytics_scan_fields_write(&s->out, &r);
	output_row_end(&s->out);
	if ((ret = output_flush(&s->out)) < 0)
		return ret;
	stream_record_trim(s);
	return 0;
}

/* A stored signal's record: the signals listing's row. */
int
stream_record_signal(struct stream *s, struct record_decoder *dec,
    const struct store_signal *sig)
{
	const struct store_batch *b;
	int ret;

	buf_reset(&s->value);
	/* The batch is read here first, so that a store error comes before
	 * the row is begun (a row left half written poisons the writer);
	 * signals_stored_write then finds it in the decoder's cache. */
	if (sig->batch_id != 0 && (ret = record_batch_txn(dec, sig->batch_id,
	    &b)) < 0 && ret != -ENOENT)
		return ret;
	output_str(&s->sig_out, "signal");
	output_u64(&s->sig_out, s->node);
	if ((ret = signals_stored_write(&s->sig_out, dec, sig)) < 0)
		return ret;
	output_row_end(&s->sig_out);
	if ((ret = output_flush(&s->sig_out)) < 0)
		return ret;
	stream_record_trim(s);
	return 0;
}

/* Puts obj (consumed) after "type" and "node" into s->value. */
static int
stream_record_json(struct stream *s, const char *type, json_t *obj)
{
	json_t *rec = json_object();
	char *text = NULL;
	int ret = -ENOMEM;

	buf_reset(&s->value);
	if (obj == NULL || rec == NULL)
		goto out;
	/* "type" and "node" first; update keeps the place of "type". */
	if (json_object_set_new(rec, "type", json_string(type)) < 0 ||
	    json_object_set_new(rec, "node", json_integer(s->node)) < 0 ||
	    json_object_update(rec, obj) < 0 ||
	    json_object_set_new(rec, "type", json_string(type)) < 0)
		goto out;
	if ((text = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
	    NULL)
		goto out;
	ret = buf_append(&s->value, text, strlen(text));
out:
	free(text);
	json_decref(rec);
	json_decref(obj);
	return ret;
}

/* A draw's record: the draws export's object, without the local date
 * (that needs the campaign's time zone, which only the command line
 * resolves: the server's threads must not set TZ). */
int
stream_record_draw(struct stream *s, const struct campaign *c,
    const struct store_draw *d)
{
	return stream_record_json(s, "draw", drawlog_draw_json(c, d, NULL));
}

/* A redemption's record: the claims export's object, redeemed. */
int
stream_record_redemption(struct stream *s, const struct campaign *c,
    const struct store_claim *cl, int64_t now)
{
	return stream_record_json(s, "redemption", analytics_claim_json(c, cl,
	    now));
}
