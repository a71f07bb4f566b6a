/*
 * record.c — the records: a stored scan event, draw or redemption as the
 * JSON object the exports write (docs/export.md, docs/draws.md), with
 * "type" and "node" first. Scans go through the exports' own writer and
 * field order; draws and claims through their JSON objects.
 */
#include "stream/stream_internal.h"
#include "analytics/analytics.h"
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

/* Prepares the writer of scan records. */
int
stream_record_init(struct stream *s)
{
	size_t n = analytics_scan_nfields + 2;

	if ((s->names = calloc(n, sizeof(*s->names))) == NULL)
		return -ENOMEM;
	s->names[0] = "type";
	s->names[1] = "node";
	for (size_t i = 0; i < analytics_scan_nfields; i++)
		s->names[i + 2] = analytics_scan_fields[i];
	return output_init(&s->out, OUTPUT_JSONL, s->names, n,
	    stream_record_sink, s);
}

/* Frees the writer. */
void
stream_record_deinit(struct stream *s)
{
	if (s->names != NULL)
		output_deinit(&s->out);
	free(s->names);
	s->names = NULL;
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
	analytics_scan_write(&s->out, &r);
	output_row_end(&s->out);
	if ((ret = output_flush(&s->out)) < 0)
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
