-- scanloop.sql — ClickHouse tables for the records `scanloop serve --kafka`
-- produces (docs/kafka.md): a Kafka engine table reads the topic, one
-- materialised view per record type moves each record into a MergeTree
-- table partitioned by month, and ReplacingMergeTree drops the repeats a
-- node may send (after a broker outage, a restart or an unconfirmed
-- delivery) by the record's key.
--
--   clickhouse-client --multiquery < samples/clickhouse/scanloop.sql
--
-- Change kafka_broker_list and kafka_topic_list to your cluster and topic.
-- Repeats are dropped when parts merge; until then a query sees them, so
-- count with FINAL (SELECT count() FROM scanloop.scans FINAL) or with
-- uniqExact(node, event_id).

CREATE DATABASE IF NOT EXISTS scanloop;

-- 1. The topic: every message is one JSON object, kept as text; the
--    views below read the fields they need.
CREATE TABLE IF NOT EXISTS scanloop.events_queue
(
    raw String
)
ENGINE = Kafka
SETTINGS kafka_broker_list = 'localhost:9092',
         kafka_topic_list = 'scanloop.events',
         kafka_group_name = 'clickhouse-scanloop',
         kafka_format = 'JSONAsString',
         kafka_num_consumers = 1;

-- 2. Scans: one row per (node, event_id). A location shared after the
--    scan comes as a "location" record, the same event with its location:
--    version 1 replaces the scan's row (version 0) when parts merge.
CREATE TABLE IF NOT EXISTS scanloop.scans
(
    node          UInt16,
    event_id      UInt64,
    time          DateTime64(6, 'UTC'),
    verdict       LowCardinality(String),
    reason        LowCardinality(Nullable(String)),
    serial        Nullable(String),
    gtin          Nullable(String),
    batch_id      Nullable(UInt32),
    line          Nullable(String),
    who           LowCardinality(String),
    drawcode      UInt8,
    ip            Nullable(String),
    visitor       Nullable(String),
    lat           Nullable(Float64),
    lon           Nullable(Float64),
    accuracy      Nullable(Float32),
    location_time Nullable(DateTime64(6, 'UTC')),
    lang          Nullable(String),
    ua            Nullable(String),
    raw           Nullable(String),
    prev_event_id Nullable(UInt64),
    version       UInt8
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(time)
ORDER BY (node, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS scanloop.scans_mv TO scanloop.scans AS
SELECT
    JSONExtract(raw, 'node', 'UInt16') AS node,
    JSONExtract(raw, 'event_id', 'UInt64') AS event_id,
    parseDateTime64BestEffort(JSONExtractString(raw, 'time'), 6, 'UTC') AS time,
    JSONExtractString(raw, 'verdict') AS verdict,
    JSONExtract(raw, 'reason', 'Nullable(String)') AS reason,
    JSONExtract(raw, 'serial', 'Nullable(String)') AS serial,
    JSONExtract(raw, 'gtin', 'Nullable(String)') AS gtin,
    JSONExtract(raw, 'batch_id', 'Nullable(UInt32)') AS batch_id,
    JSONExtract(raw, 'line', 'Nullable(String)') AS line,
    JSONExtractString(raw, 'who') AS who,
    JSONExtract(raw, 'drawcode', 'UInt8') AS drawcode,
    JSONExtract(raw, 'ip', 'Nullable(String)') AS ip,
    JSONExtract(raw, 'visitor', 'Nullable(String)') AS visitor,
    JSONExtract(raw, 'lat', 'Nullable(Float64)') AS lat,
    JSONExtract(raw, 'lon', 'Nullable(Float64)') AS lon,
    JSONExtract(raw, 'accuracy', 'Nullable(Float32)') AS accuracy,
    parseDateTime64BestEffortOrNull(
        JSONExtract(raw, 'location_time', 'Nullable(String)'), 6, 'UTC')
        AS location_time,
    JSONExtract(raw, 'lang', 'Nullable(String)') AS lang,
    JSONExtract(raw, 'ua', 'Nullable(String)') AS ua,
    JSONExtract(raw, 'raw', 'Nullable(String)') AS raw,
    JSONExtract(raw, 'prev_event_id', 'Nullable(UInt64)') AS prev_event_id,
    if(JSONExtractString(raw, 'type') = 'location', 1, 0) AS version
FROM scanloop.events_queue
WHERE JSONExtractString(raw, 'type') IN ('scan', 'location');

-- 3. Draws: one row per (node, campaign, seq), the draws export's fields
--    (docs/draws.md) without the local date, which `day` numbers.
CREATE TABLE IF NOT EXISTS scanloop.draws
(
    node       UInt16,
    campaign   LowCardinality(String),
    seq        UInt64,
    time       DateTime64(6, 'UTC'),
    day        UInt32,
    kind       LowCardinality(String),
    serial     String,
    outcome    LowCardinality(String),
    tier       Nullable(UInt8),
    rnd        String,
    reason     LowCardinality(Nullable(String)),
    claim      Nullable(String),
    ticket_seq Nullable(UInt64),
    shop       Nullable(String),
    points     UInt32,
    event_id   UInt64
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (node, campaign, seq);

CREATE MATERIALIZED VIEW IF NOT EXISTS scanloop.draws_mv TO scanloop.draws AS
SELECT
    JSONExtract(raw, 'node', 'UInt16') AS node,
    JSONExtractString(raw, 'campaign') AS campaign,
    JSONExtract(raw, 'seq', 'UInt64') AS seq,
    parseDateTime64BestEffort(JSONExtractString(raw, 'time'), 6, 'UTC') AS time,
    JSONExtract(raw, 'day', 'UInt32') AS day,
    JSONExtractString(raw, 'kind') AS kind,
    JSONExtractString(raw, 'serial') AS serial,
    JSONExtractString(raw, 'outcome') AS outcome,
    JSONExtract(raw, 'tier', 'Nullable(UInt8)') AS tier,
    JSONExtractString(raw, 'rnd') AS rnd,
    JSONExtract(raw, 'reason', 'Nullable(String)') AS reason,
    JSONExtract(raw, 'claim', 'Nullable(String)') AS claim,
    JSONExtract(raw, 'ticket_seq', 'Nullable(UInt64)') AS ticket_seq,
    JSONExtract(raw, 'shop', 'Nullable(String)') AS shop,
    JSONExtract(raw, 'points', 'UInt32') AS points,
    JSONExtract(raw, 'event_id', 'UInt64') AS event_id
FROM scanloop.events_queue
WHERE JSONExtractString(raw, 'type') = 'draw';

-- 4. Redemptions: one row per (node, claim id): a claim is redeemed once.
CREATE TABLE IF NOT EXISTS scanloop.redemptions
(
    node     UInt16,
    id       String,
    campaign LowCardinality(String),
    tier     LowCardinality(String),
    ticket   UInt8,
    serial   String,
    draw_seq UInt64,
    open_seq Nullable(UInt64),
    created  DateTime64(6, 'UTC'),
    expires  DateTime64(6, 'UTC'),
    redeemed DateTime64(6, 'UTC'),
    shop     String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(redeemed)
ORDER BY (node, id);

CREATE MATERIALIZED VIEW IF NOT EXISTS scanloop.redemptions_mv
TO scanloop.redemptions AS
SELECT
    JSONExtract(raw, 'node', 'UInt16') AS node,
    JSONExtractString(raw, 'id') AS id,
    JSONExtractString(raw, 'campaign') AS campaign,
    JSONExtractString(raw, 'tier') AS tier,
    JSONExtract(raw, 'ticket', 'Bool') AS ticket,
    JSONExtractString(raw, 'serial') AS serial,
    JSONExtract(raw, 'draw_seq', 'UInt64') AS draw_seq,
    JSONExtract(raw, 'open_seq', 'Nullable(UInt64)') AS open_seq,
    parseDateTime64BestEffort(JSONExtractString(raw, 'created'), 6, 'UTC')
        AS created,
    parseDateTime64BestEffort(JSONExtractString(raw, 'expires'), 6, 'UTC')
        AS expires,
    parseDateTime64BestEffort(JSONExtractString(raw, 'redeemed'), 6, 'UTC')
        AS redeemed,
    JSONExtractString(raw, 'shop') AS shop
FROM scanloop.events_queue
WHERE JSONExtractString(raw, 'type') = 'redemption';

-- 5. Signals: one row per (node, id), the listing's fields
--    (docs/signals.md); redemption anomalies are computed when asked and
--    never sent.
CREATE TABLE IF NOT EXISTS scanloop.signals
(
    node      UInt16,
    id        UInt64,
    kind      LowCardinality(String),
    time      DateTime64(6, 'UTC'),
    serial    Nullable(String),
    gtin      Nullable(String),
    batch_id  Nullable(UInt32),
    line      Nullable(String),
    event_ids Array(UInt64),
    lat       Nullable(Float64),
    lon       Nullable(Float64),
    ip_prefix Nullable(String),
    store     Nullable(String),
    detail    String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (node, id);

CREATE MATERIALIZED VIEW IF NOT EXISTS scanloop.signals_mv TO scanloop.signals AS
SELECT
    JSONExtract(raw, 'node', 'UInt16') AS node,
    JSONExtract(raw, 'id', 'UInt64') AS id,
    JSONExtractString(raw, 'kind') AS kind,
    parseDateTime64BestEffort(JSONExtractString(raw, 'time'), 6, 'UTC') AS time,
    JSONExtract(raw, 'serial', 'Nullable(String)') AS serial,
    JSONExtract(raw, 'gtin', 'Nullable(String)') AS gtin,
    JSONExtract(raw, 'batch_id', 'Nullable(UInt32)') AS batch_id,
    JSONExtract(raw, 'line', 'Nullable(String)') AS line,
    JSONExtract(raw, 'event_ids', 'Array(UInt64)') AS event_ids,
    JSONExtract(raw, 'lat', 'Nullable(Float64)') AS lat,
    JSONExtract(raw, 'lon', 'Nullable(Float64)') AS lon,
    JSONExtract(raw, 'ip_prefix', 'Nullable(String)') AS ip_prefix,
    JSONExtract(raw, 'store', 'Nullable(String)') AS store,
    JSONExtractString(raw, 'detail') AS detail
FROM scanloop.events_queue
WHERE JSONExtractString(raw, 'type') = 'signal';

-- Human scans per batch and month, repeats dropped:
--   SELECT batch_id, toStartOfMonth(time) AS month, count() AS scans
--   FROM scanloop.scans FINAL
--   WHERE verdict = 'genuine' AND who IN ('human', 'api')
--   GROUP BY batch_id, month ORDER BY month, batch_id;
