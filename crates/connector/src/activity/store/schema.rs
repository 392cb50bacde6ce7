//! The activity store's schema: every migration from an empty file to the current version, in
//! order. Each is SQL run in one transaction with the version bump (see `Store::open`).

/// Each entry migrates from version `i` to `i + 1`; never edit one that has shipped.
pub(super) const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE events (
    id                INTEGER PRIMARY KEY,
    fingerprint       TEXT    NOT NULL,
    ordinal           INTEGER NOT NULL,
    request_time      INTEGER,            -- ms since the epoch; NULL when Workday sent none
    system_account    TEXT,
    activity_action   TEXT,
    task_display_name TEXT,
    task_id           TEXT,
    session_id        TEXT,
    ip_address        TEXT,
    user_agent        TEXT,
    device_type       TEXT,
    target_id         TEXT,
    target_descriptor TEXT,
    target_href       TEXT,
    own_call          INTEGER NOT NULL DEFAULT 0,
    raw               TEXT    NOT NULL,   -- the event as Workday sent it
    UNIQUE (fingerprint, ordinal)
);
CREATE INDEX events_time   ON events (request_time);
CREATE INDEX events_user   ON events (system_account, request_time);
CREATE INDEX events_task   ON events (task_display_name, request_time);
CREATE INDEX events_action ON events (activity_action, request_time);
CREATE INDEX events_ip     ON events (ip_address, request_time);
CREATE INDEX events_device ON events (device_type, request_time);
-- One row: where the backfill started and the end of the last fully committed window.
CREATE TABLE checkpoint (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    origin       INTEGER NOT NULL,
    synced_until INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
"#,
    r#"
-- v2: the viewer's filters compare user, action and device without regard to case, so their
-- indexes must too; and the default view (own calls hidden, newest first) gets an index it can
-- walk in order, so a first page never sorts the whole store.
DROP INDEX events_user;
DROP INDEX events_action;
DROP INDEX events_device;
CREATE INDEX events_user    ON events (system_account COLLATE NOCASE, request_time);
CREATE INDEX events_action  ON events (activity_action COLLATE NOCASE, request_time);
CREATE INDEX events_device  ON events (device_type COLLATE NOCASE, request_time);
-- The task name rides along so "task contains" counts are answered from the index alone.
CREATE INDEX events_visible ON events (own_call, request_time, task_display_name);
"#,
    r#"
-- v3: the key is 16 bytes instead of 32 hex digits (a smaller unique index, written for every
-- row), and the task index goes: "task contains" cannot seek in it, and events_visible already
-- carries the task name for the counts. An event Workday sent without requestTime gets the start
-- of the window that returned it as its time (time_estimated = 1), so time filters and the
-- newest-first order show it near where it happened instead of never. Every row is copied, ids
-- and all; v2 rows without a time keep none (their window is not known).
CREATE TABLE events_v3 (
    id                INTEGER PRIMARY KEY,
    fingerprint       BLOB    NOT NULL,   -- 16 bytes
    ordinal           INTEGER NOT NULL,
    request_time      INTEGER,            -- ms since the epoch; NULL when Workday sent none
    system_account    TEXT,
    activity_action   TEXT,
    task_display_name TEXT,
    task_id           TEXT,
    session_id        TEXT,
    ip_address        TEXT,
    user_agent        TEXT,
    device_type       TEXT,
    target_id         TEXT,
    target_descriptor TEXT,
    target_href       TEXT,
    own_call          INTEGER NOT NULL DEFAULT 0,
    raw               TEXT    NOT NULL,   -- the event as Workday sent it
    time_estimated    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (fingerprint, ordinal)
);
INSERT INTO events_v3 SELECT id, unhex(fingerprint), ordinal, request_time, system_account,
    activity_action, task_display_name, task_id, session_id, ip_address, user_agent, device_type,
    target_id, target_descriptor, target_href, own_call, raw, 0
FROM events ORDER BY id;
DROP TABLE events;
ALTER TABLE events_v3 RENAME TO events;
CREATE INDEX events_time    ON events (request_time);
CREATE INDEX events_user    ON events (system_account COLLATE NOCASE, request_time);
CREATE INDEX events_action  ON events (activity_action COLLATE NOCASE, request_time);
CREATE INDEX events_ip      ON events (ip_address, request_time);
CREATE INDEX events_device  ON events (device_type COLLATE NOCASE, request_time);
CREATE INDEX events_visible ON events (own_call, request_time, task_display_name);
"#,
    // Owner: detections (alerts.rs beside this file reads and writes these tables).
    r#"
-- Alerts raised by the detections: one row per rule, user (or country) and episode, with the
-- keys of the events behind it; and where detection stands: the last event id evaluated and
-- what the behavioural rules learnt, moved in the same transaction as the alerts they raised.
CREATE TABLE alerts (
    id        INTEGER PRIMARY KEY,
    episode   TEXT    NOT NULL UNIQUE,   -- rule, scope and first time: the deduplication key
    rule      TEXT    NOT NULL,
    severity  TEXT    NOT NULL,
    user      TEXT,
    time      INTEGER NOT NULL,          -- ms of the first event
    last_time INTEGER NOT NULL,          -- ms of the last event
    summary   TEXT    NOT NULL,
    country   TEXT,
    ip        TEXT,
    status    TEXT    NOT NULL DEFAULT 'open',   -- open | dismissed
    raised_at INTEGER NOT NULL
);
CREATE INDEX alerts_time ON alerts (time);
CREATE INDEX alerts_rule ON alerts (rule, time);
CREATE TABLE alert_events (
    alert_id INTEGER NOT NULL,
    event_id INTEGER NOT NULL,
    PRIMARY KEY (alert_id, event_id)
) WITHOUT ROWID;
CREATE TABLE detection (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    cursor INTEGER NOT NULL,
    state  TEXT    NOT NULL
);
"#,
    // Owner: forwarding. One row per destination of this connection: the id of the last event
    // it accepted (events are forwarded in id order, the commit order), and its last outcome.
    r#"
CREATE TABLE forward_cursors (
    destination   TEXT    PRIMARY KEY,
    delivered_id  INTEGER NOT NULL DEFAULT 0,
    delivered     INTEGER NOT NULL DEFAULT 0,   -- events accepted in all
    delivered_at  INTEGER,                      -- ms since the epoch of the last acceptance
    last_error    TEXT                          -- the last failure as {code, message, fix} JSON
);
"#,
    // v6 (owner: this file): the events as interned numbers plus what of the raw JSON the
    // columns do not hold (see `row::extra_of`), about a quarter of v5's bytes per event.
    r#"
-- v6: every text of an event (user, task, IP, user agent, ...) is kept once in `names` and
-- referred to by number; the raw JSON is no longer stored beside the columns that hold it: only
-- what they do not hold is (`extra`, NULL for a usual event), and the event is given back
-- exactly from both. Ids are kept, so alerts, forwarding cursors and detection stay valid.
-- A field leaves the JSON only where its column holds the same text (a JSON text equals a
-- column's text; a number or null never does).
CREATE TABLE names (
    id   INTEGER PRIMARY KEY,
    name TEXT    NOT NULL UNIQUE
);
CREATE INDEX names_nocase ON names (name COLLATE NOCASE);
INSERT OR IGNORE INTO names (name) SELECT system_account FROM events WHERE system_account IS NOT NULL;
INSERT OR IGNORE INTO names (name) SELECT activity_action FROM events WHERE activity_action IS NOT NULL;
INSERT OR IGNORE INTO names (name) SELECT task_display_name FROM events WHERE task_display_name IS NOT NULL;
INSERT OR IGNORE INTO names (name) SELECT task_id FROM events WHERE task_id IS NOT NULL;
INSERT OR IGNORE INTO names (name) SELECT session_id FROM events WHERE session_id IS NOT NULL;
INSERT OR IGNORE INTO names (name) SELECT ip_address FROM events WHERE ip_address IS NOT NULL;
INSERT OR IGNORE INTO names (name) SELECT user_agent FROM events WHERE user_agent IS NOT NULL;
INSERT OR IGNORE INTO names (name) SELECT device_type FROM events WHERE device_type IS NOT NULL;
INSERT OR IGNORE INTO names (name) SELECT target_id FROM events WHERE target_id IS NOT NULL;
INSERT OR IGNORE INTO names (name) SELECT target_descriptor FROM events WHERE target_descriptor IS NOT NULL;
INSERT OR IGNORE INTO names (name) SELECT target_href FROM events WHERE target_href IS NOT NULL;
CREATE TABLE events_v6 (
    id             INTEGER PRIMARY KEY,
    fingerprint    BLOB    NOT NULL,   -- 16 bytes
    ordinal        INTEGER NOT NULL,
    request_time   INTEGER,            -- ms since the epoch (estimated: the window's start)
    time_estimated INTEGER NOT NULL DEFAULT 0,
    own_call       INTEGER NOT NULL DEFAULT 0,
    account INTEGER, action INTEGER, task INTEGER, task_ref INTEGER, session INTEGER,
    ip INTEGER, agent INTEGER, device INTEGER,
    target_ref INTEGER, target_name INTEGER, target_link INTEGER,   -- names ids
    extra          TEXT,               -- JSON: what the columns do not hold; NULL: nothing
    UNIQUE (fingerprint, ordinal)
);
INSERT INTO events_v6
SELECT id, fingerprint, ordinal, request_time, time_estimated, own_call,
    (SELECT id FROM names WHERE name = system_account),
    (SELECT id FROM names WHERE name = activity_action),
    (SELECT id FROM names WHERE name = task_display_name),
    (SELECT id FROM names WHERE name = task_id),
    (SELECT id FROM names WHERE name = session_id),
    (SELECT id FROM names WHERE name = ip_address),
    (SELECT id FROM names WHERE name = user_agent),
    (SELECT id FROM names WHERE name = device_type),
    (SELECT id FROM names WHERE name = target_id),
    (SELECT id FROM names WHERE name = target_descriptor),
    (SELECT id FROM names WHERE name = target_href),
    nullif(CASE WHEN (json_extract(raw, '$.target.id') = target_id OR json_extract(raw, '$.target.descriptor') = target_descriptor OR json_extract(raw, '$.target.href') = target_href) AND json_extract(rest, '$.target') = '{}'
                THEN json_remove(rest, '$.target') ELSE rest END, '{}')
FROM (SELECT *, json_remove(
        CASE WHEN time_estimated = 0 AND request_time IS NOT NULL
              AND json_extract(raw, '$.requestTime')
                  = strftime('%Y-%m-%dT%H:%M:%fZ', request_time / 1000.0, 'unixepoch')
             THEN json_remove(raw, '$.requestTime') ELSE raw END,
        CASE WHEN json_extract(raw, '$.systemAccount') = system_account THEN '$.systemAccount' ELSE '$[0]' END,
        CASE WHEN json_extract(raw, '$.activityAction') = activity_action THEN '$.activityAction' ELSE '$[0]' END,
        CASE WHEN json_extract(raw, '$.taskDisplayName') = task_display_name THEN '$.taskDisplayName' ELSE '$[0]' END,
        CASE WHEN json_extract(raw, '$.taskId') = task_id THEN '$.taskId' ELSE '$[0]' END,
        CASE WHEN json_extract(raw, '$.sessionId') = session_id THEN '$.sessionId' ELSE '$[0]' END,
        CASE WHEN json_extract(raw, '$.ipAddress') = ip_address THEN '$.ipAddress' ELSE '$[0]' END,
        CASE WHEN json_extract(raw, '$.userAgent') = user_agent THEN '$.userAgent' ELSE '$[0]' END,
        CASE WHEN json_extract(raw, '$.deviceType') = device_type THEN '$.deviceType' ELSE '$[0]' END,
        CASE WHEN json_extract(raw, '$.target.id') = target_id THEN '$.target.id' ELSE '$[0]' END,
        CASE WHEN json_extract(raw, '$.target.descriptor') = target_descriptor THEN '$.target.descriptor' ELSE '$[0]' END,
        CASE WHEN json_extract(raw, '$.target.href') = target_href THEN '$.target.href' ELSE '$[0]' END) AS rest
      FROM events)
ORDER BY id;
DROP TABLE events;
ALTER TABLE events_v6 RENAME TO events;
CREATE INDEX events_time    ON events (request_time);
CREATE INDEX events_user    ON events (account, request_time);
CREATE INDEX events_action  ON events (action, request_time);
CREATE INDEX events_ip      ON events (ip, request_time);
CREATE INDEX events_device  ON events (device, request_time);
CREATE INDEX events_visible ON events (own_call, request_time, task);
-- What readers select: the texts by name, beside the numbers the filters compare.
CREATE VIEW events_named AS
SELECT e.id, e.fingerprint, e.ordinal, e.request_time, e.time_estimated, e.own_call,
    e.account, e.action, e.task, e.ip, e.device, e.session, e.extra,
    n_account.name AS system_account,
    n_action.name AS activity_action,
    n_task.name AS task_display_name,
    n_task_ref.name AS task_id,
    n_session.name AS session_id,
    n_ip.name AS ip_address,
    n_agent.name AS user_agent,
    n_device.name AS device_type,
    n_target_ref.name AS target_id,
    n_target_name.name AS target_descriptor,
    n_target_link.name AS target_href
FROM events e
LEFT JOIN names n_account ON n_account.id = e.account
LEFT JOIN names n_action ON n_action.id = e.action
LEFT JOIN names n_task ON n_task.id = e.task
LEFT JOIN names n_task_ref ON n_task_ref.id = e.task_ref
LEFT JOIN names n_session ON n_session.id = e.session
LEFT JOIN names n_ip ON n_ip.id = e.ip
LEFT JOIN names n_agent ON n_agent.id = e.agent
LEFT JOIN names n_device ON n_device.id = e.device
LEFT JOIN names n_target_ref ON n_target_ref.id = e.target_ref
LEFT JOIN names n_target_name ON n_target_name.id = e.target_name
LEFT JOIN names n_target_link ON n_target_link.id = e.target_link;
"#,
    // Owner: forwarding. The alerts' own cursor per destination: the id of the last alert it
    // accepted (alerts are forwarded in id order, after the events), and how many in all.
    r#"
ALTER TABLE forward_cursors ADD COLUMN alerts_delivered_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE forward_cursors ADD COLUMN alerts_delivered    INTEGER NOT NULL DEFAULT 0;
"#,
];
