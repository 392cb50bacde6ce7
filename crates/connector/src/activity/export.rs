//! Exports of stored events: a table for terminals, CSV with a header and every column, NDJSON
//! of the raw events and a JSON document of the viewer's rows; each carries the country and IP
//! tags looked up when read (the last CSV columns, the last two NDJSON fields); CSV and NDJSON
//! read back to the same events.

use std::io::{BufRead, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use super::ipinfo::IpInfo;
use super::row::EventRow;
use super::store::{EventFilter, Store, StoredEvent};
use crate::problem::Diagnose;

/// The file formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ExportFormat {
    Csv,
    Ndjson,
}

/// Writes the events of `store` matching `filter` to a new file at `path` (replacing one that
/// is there) as `format`, streaming: one event in memory at a time, with its country and tags
/// from `info`. Returns the count.
pub fn write_file(
    store: &Store,
    filter: &EventFilter,
    format: ExportFormat,
    path: &std::path::Path,
    mut info: Option<&mut IpInfo>,
) -> Result<u64, crate::Problem> {
    let mut enrich = move |e: &mut StoredEvent| {
        if let Some(i) = info.as_deref_mut() {
            i.enrich(e);
        }
    };
    let failed = |e: std::io::Error| {
        crate::Problem::new(
            "export.unwritable",
            format!("{} could not be written: {e}.", path.display()),
            "Choose a file in a folder you can write to, on a disk with free space.",
        )
    };
    let file = crate::paths::create_private_file(path).map_err(failed)?;
    let out = std::io::BufWriter::new(file);
    let mut broken: Option<std::io::Error> = None;
    let n = match format {
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(CSV_COLUMNS).map_err(|e| failed(e.into()))?;
            let n = store
                .for_each(filter, |mut e| {
                    enrich(&mut e);
                    match csv_row(&mut w, &e) {
                        Ok(()) => true,
                        Err(e) => {
                            broken = Some(e.into());
                            false
                        }
                    }
                })
                .map_err(|e| e.problem())?;
            if broken.is_none()
                && let Err(e) = w.flush()
            {
                broken = Some(e);
            }
            n
        }
        ExportFormat::Ndjson => {
            let mut out = out;
            let n = store
                .for_each(filter, |mut e| {
                    enrich(&mut e);
                    match ndjson_line(&e, &mut out) {
                        Ok(()) => true,
                        Err(e) => {
                            broken = Some(e);
                            false
                        }
                    }
                })
                .map_err(|e| e.problem())?;
            if broken.is_none()
                && let Err(e) = out.flush()
            {
                broken = Some(e);
            }
            n
        }
    };
    match broken {
        Some(e) => Err(failed(e)),
        None => Ok(n),
    }
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "request_time",
    "system_account",
    "activity_action",
    "task_display_name",
    "task_id",
    "session_id",
    "ip_address",
    "user_agent",
    "device_type",
    "target_id",
    "target_descriptor",
    "target_href",
    "own_call",
    "fingerprint",
    "ordinal",
    "raw",
    "country",
    "ip_tags",
];

/// The tags of an address in one CSV cell or table cell: `risky;corporate`.
const TAG_SEPARATOR: &str = ";";

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_default()
}

fn opt(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

/// CSV with a header row. An absent field is an empty cell; `raw` keeps the exact event, so
/// nothing is lost that an empty cell cannot tell apart.
pub fn write_csv(events: &[StoredEvent], out: impl Write) -> std::io::Result<()> {
    write_all(EventWriter::new(TextFormat::Csv, out), events)
}

fn write_all<W: Write>(mut w: EventWriter<W>, events: &[StoredEvent]) -> std::io::Result<()> {
    for e in events {
        w.write(e)?;
    }
    w.finish()
}

/// How [`EventWriter`] writes: a table for terminals, CSV, NDJSON, or one JSON document
/// `{"events": [...]}` of the viewer's rows (every column, `raw`, `country`, `ip_tags`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    Table,
    Csv,
    Ndjson,
    Json,
}

enum Sink<W: Write> {
    Table(W),
    Csv(Box<csv::Writer<W>>),
    Ndjson(W),
    /// The output and whether a row went out (a comma before the next).
    Json(W, bool),
}

/// Writes events one at a time, so a caller can stream them from the store holding one event.
/// The header (table, CSV) goes out with the first event, or at `finish` when there is none: an
/// error before any event leaves no stray header.
pub struct EventWriter<W: Write> {
    sink: Sink<W>,
    started: bool,
}

impl<W: Write> std::fmt::Debug for EventWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventWriter")
            .field("started", &self.started)
            .finish_non_exhaustive()
    }
}

impl<W: Write> EventWriter<W> {
    pub fn new(format: TextFormat, out: W) -> Self {
        let sink = match format {
            TextFormat::Table => Sink::Table(out),
            TextFormat::Csv => Sink::Csv(Box::new(csv::Writer::from_writer(out))),
            TextFormat::Ndjson => Sink::Ndjson(out),
            TextFormat::Json => Sink::Json(out, false),
        };
        EventWriter {
            sink,
            started: false,
        }
    }

    fn start(&mut self) -> std::io::Result<()> {
        if !self.started {
            self.started = true;
            match &mut self.sink {
                Sink::Table(out) => table_header(out)?,
                Sink::Csv(w) => w.write_record(CSV_COLUMNS).map_err(io_error)?,
                Sink::Ndjson(_) => {}
                Sink::Json(out, _) => out.write_all(b"{\"events\": [")?,
            }
        }
        Ok(())
    }

    pub fn write(&mut self, e: &StoredEvent) -> std::io::Result<()> {
        self.start()?;
        match &mut self.sink {
            Sink::Table(out) => table_row(e, out),
            Sink::Csv(w) => csv_row(w, e).map_err(io_error),
            Sink::Ndjson(out) => ndjson_line(e, out),
            Sink::Json(out, any) => {
                out.write_all(if *any { b",\n" } else { b"\n" })?;
                *any = true;
                serde_json::to_writer(&mut *out, e)?;
                Ok(())
            }
        }
    }

    /// Writes the header if no event came, and flushes.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.start()?;
        match &mut self.sink {
            Sink::Table(out) | Sink::Ndjson(out) => out.flush(),
            Sink::Csv(w) => w.flush(),
            Sink::Json(out, _) => {
                out.write_all(b"\n]}\n")?;
                out.flush()
            }
        }
    }
}

/// The I/O error itself when writing failed (so a closed pipe still reads as `BrokenPipe` to the
/// caller), else the CSV error wrapped.
fn io_error(e: csv::Error) -> std::io::Error {
    if !e.is_io_error() {
        return e.into();
    }
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// A tenant-controlled CSV cell made inert for spreadsheets: one starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return (their full-width forms too, which some spreadsheets fold)
/// would be read as a formula by Excel, LibreOffice or Sheets, so it gets a leading `'`, as
/// OWASP recommends: the spreadsheet then shows the text as it is (the `'` is not shown) and
/// evaluates nothing. The `raw` column (a JSON object, starting with `{`) and NDJSON keep the
/// exact value, and a read-back takes every column from `raw`, so nothing is changed there.
pub fn csv_cell(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠') => {
            format!("'{text}").into()
        }
        _ => text.into(),
    }
}

/// One event as a CSV record, in [`CSV_COLUMNS`] order; every cell that comes from the tenant
/// goes through [`csv_cell`].
fn csv_row<W: Write>(w: &mut csv::Writer<W>, e: &StoredEvent) -> csv::Result<()> {
    fn cell(v: &Option<String>) -> std::borrow::Cow<'_, str> {
        csv_cell(opt(v))
    }
    w.write_record([
        time(e.request_time).as_str(),
        &cell(&e.system_account),
        &cell(&e.activity_action),
        &cell(&e.task_display_name),
        &cell(&e.task_id),
        &cell(&e.session_id),
        &cell(&e.ip_address),
        &cell(&e.user_agent),
        &cell(&e.device_type),
        &cell(&e.target_id),
        &cell(&e.target_descriptor),
        &cell(&e.target_href),
        if e.own_call { "true" } else { "false" },
        &e.fingerprint,
        &e.ordinal.to_string(),
        &e.raw.to_string(),
        opt(&e.country),
        &e.ip_tags.join(TAG_SEPARATOR),
    ])
}

/// Reads a CSV export back. The columns come from `raw` (what Workday sent), so a re-import
/// equals the stored events.
pub fn read_csv(input: impl std::io::Read) -> Result<Vec<StoredEvent>, String> {
    let mut r = csv::Reader::from_reader(input);
    let header: Vec<String> = r
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_string)
        .collect();
    if header != CSV_COLUMNS {
        return Err(format!("unexpected CSV header {header:?}"));
    }
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| e.to_string())?;
        let raw: Value = serde_json::from_str(&rec[15]).map_err(|e| e.to_string())?;
        let ordinal = rec[14].parse().map_err(|_| "bad ordinal".to_string())?;
        let mut e = from_raw(raw, rec[13].to_string(), ordinal);
        e.own_call = &rec[12] == "true";
        e.country = Some(rec[16].to_string()).filter(|c| !c.is_empty());
        e.ip_tags = rec[17]
            .split(TAG_SEPARATOR)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        out.push(e);
    }
    Ok(out)
}

/// A stored event rebuilt from Workday's JSON and its key; the columns come from the same
/// extraction as at ingest ([`EventRow::new`]), so a read-back equals what the store holds.
pub fn from_raw(raw: Value, fingerprint: String, ordinal: u32) -> StoredEvent {
    let k = EventRow::new(&raw);
    StoredEvent {
        fingerprint,
        ordinal,
        request_time: k.request_time.and_then(DateTime::from_timestamp_millis),
        system_account: k.system_account,
        activity_action: k.activity_action,
        task_display_name: k.task_display_name,
        task_id: k.task_id,
        session_id: k.session_id,
        ip_address: k.ip_address,
        user_agent: k.user_agent,
        device_type: k.device_type,
        target_id: k.target_id,
        target_descriptor: k.target_descriptor,
        target_href: k.target_href,
        own_call: k.own_call,
        raw,
        country: None,
        ip_tags: Vec::new(),
    }
}

/// One raw Workday event per line, as the tenant sent it.
pub fn write_ndjson(events: &[StoredEvent], out: impl Write) -> std::io::Result<()> {
    write_all(EventWriter::new(TextFormat::Ndjson, out), events)
}

/// The fields NDJSON appends to each raw event (Workday's own fields are camelCase).
pub const NDJSON_ADDED: [&str; 2] = ["country", "ip_tags"];

/// The raw event with `country` and `ip_tags` appended after Workday's fields.
fn ndjson_line(e: &StoredEvent, mut out: impl Write) -> std::io::Result<()> {
    let mut raw = serde_json::to_vec(&e.raw)?;
    let added = serde_json::json!({ "country": e.country, "ip_tags": e.ip_tags });
    let added = serde_json::to_vec(&added)?;
    // `{...}` then `,"country":...,"ip_tags":[...]}`: the object's own text is kept. A raw
    // event that is not an object (never seen from Workday) is written as it is.
    if let (Some(b'}'), Some(o)) = (raw.last(), e.raw.as_object()) {
        raw.pop();
        if !o.is_empty() {
            raw.push(b',');
        }
        raw.extend_from_slice(&added[1..]);
    }
    out.write_all(&raw)?;
    out.write_all(b"\n")
}

/// The raw event of an NDJSON line: the fields the export appended taken off.
pub fn ndjson_raw(mut line: Value) -> Value {
    if let Some(o) = line.as_object_mut() {
        for k in NDJSON_ADDED {
            o.remove(k);
        }
    }
    line
}

/// Reads NDJSON back into raw events (blank lines skipped, the appended fields taken off).
pub fn read_ndjson(input: impl BufRead) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let line = line.map_err(|e| e.to_string())?;
        if line.trim().is_empty() {
            continue;
        }
        let v = serde_json::from_str(&line).map_err(|e| format!("line {}: {e}", i + 1))?;
        out.push(ndjson_raw(v));
    }
    Ok(out)
}

/// A table for a terminal: time, user, action, task, IP, country, device; long cells cut.
pub fn write_table(events: &[StoredEvent], out: impl Write) -> std::io::Result<()> {
    write_all(EventWriter::new(TextFormat::Table, out), events)
}

const TABLE_WIDTHS: [usize; 7] = [24, 20, 6, 40, 15, 7, 7];

/// A cell as a terminal may show it: every control character (C0 including ESC, DEL, C1
/// including CSI) and every bidirectional override or isolate becomes `�`. A tenant user
/// controls some of these fields (a user agent, a name), and a terminal would otherwise act on
/// an escape sequence in them: clear the screen, move the cursor over other rows, retitle the
/// window, or reorder what is shown.
pub fn terminal_text(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if text.chars().any(unsafe_char) {
        text.chars()
            .map(|c| if unsafe_char(c) { '\u{fffd}' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

fn table_line(cells: [&str; 7], mut out: impl Write) -> std::io::Result<()> {
    let cut = |s: &str, n: usize| -> String {
        let s = &*terminal_text(s);
        if s.chars().count() > n {
            let mut t: String = s.chars().take(n - 1).collect();
            t.push('…');
            t
        } else {
            s.to_string()
        }
    };
    let line: Vec<String> = cells
        .iter()
        .zip(TABLE_WIDTHS)
        .map(|(c, w)| format!("{:<w$}", cut(c, w)))
        .collect();
    writeln!(out, "{}", line.join("  "))
}

fn table_header(out: impl Write) -> std::io::Result<()> {
    table_line(
        ["TIME", "USER", "ACTION", "TASK", "IP", "COUNTRY", "DEVICE"],
        out,
    )
}

fn table_row(e: &StoredEvent, out: impl Write) -> std::io::Result<()> {
    table_line(
        [
            &time(e.request_time),
            opt(&e.system_account),
            opt(&e.activity_action),
            opt(&e.task_display_name),
            opt(&e.ip_address),
            opt(&e.country),
            opt(&e.device_type),
        ],
        out,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::fingerprint::fingerprint;
    use serde_json::json;

    fn sample() -> Vec<StoredEvent> {
        let a = json!({"requestTime": "2026-04-17T08:02:58.655Z", "systemAccount": "ann, \"the\" admin", "taskDisplayName": "View Worker", "target": {"id": "w", "descriptor": "Line\nbreak"}});
        let b = json!({"taskId": ""});
        [a, b]
            .into_iter()
            .map(|r| from_raw(r.clone(), fingerprint(&r), 0))
            .collect()
    }

    #[test]
    fn the_event_writer_puts_the_header_out_with_the_first_event_or_at_finish() {
        for (format, header) in [
            (TextFormat::Csv, "request_time,system_account,"),
            (TextFormat::Table, "TIME"),
        ] {
            let mut out = Vec::new();
            let w = EventWriter::new(format, &mut out);
            drop(w);
            assert!(out.is_empty(), "nothing before an event or finish");
            let mut out = Vec::new();
            EventWriter::new(format, &mut out).finish().unwrap();
            let text = String::from_utf8(out).unwrap();
            assert!(text.starts_with(header), "{text}");
            assert_eq!(
                text.lines().count(),
                1,
                "an empty listing is its header: {text}"
            );
        }
        let events = sample();
        let mut streamed = Vec::new();
        let mut w = EventWriter::new(TextFormat::Table, &mut streamed);
        for e in &events {
            w.write(e).unwrap();
        }
        w.finish().unwrap();
        let text = String::from_utf8(streamed).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.contains("ann, \"the\" admin"), "{text}");
    }

    #[test]
    fn a_file_export_streams_the_store_in_view_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("e.sqlite3")).unwrap();
        let t0 = DateTime::parse_from_rfc3339("2026-04-17T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        store.start_at(t0).unwrap();
        let raws: Vec<Value> = (0..50)
            .map(|i| json!({"requestTime": format!("2026-04-17T08:{i:02}:00.000Z"), "systemAccount": format!("u{}", i % 3)}))
            .collect();
        let rows = crate::activity::row::key_window(raws);
        store
            .commit_window(&rows, t0 + chrono::Duration::hours(1))
            .unwrap();
        let filter = EventFilter {
            user: Some("u1".into()),
            ..Default::default()
        };
        let want = store.query(&filter).unwrap();
        assert_eq!(want.len(), 17);
        let csv_path = dir.path().join("out.csv");
        assert_eq!(
            write_file(&store, &filter, ExportFormat::Csv, &csv_path, None).unwrap(),
            17
        );
        let back = read_csv(std::fs::File::open(&csv_path).unwrap()).unwrap();
        assert_eq!(back, want);
        let nd_path = dir.path().join("out.ndjson");
        assert_eq!(
            write_file(&store, &filter, ExportFormat::Ndjson, &nd_path, None).unwrap(),
            17
        );
        let lines = read_ndjson(std::io::BufReader::new(
            std::fs::File::open(&nd_path).unwrap(),
        ))
        .unwrap();
        let raw: Vec<Value> = want.iter().map(|e| e.raw.clone()).collect();
        assert_eq!(lines, raw);
        // A file that cannot be created is the export's problem, not a panic.
        let e = write_file(
            &store,
            &filter,
            ExportFormat::Csv,
            &dir.path().join("no/such/dir.csv"),
            None,
        )
        .unwrap_err();
        assert_eq!(e.code, "export.unwritable");
    }

    #[test]
    fn exports_carry_the_country_and_tags_of_each_address() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("e.sqlite3")).unwrap();
        let t0 = DateTime::parse_from_rfc3339("2026-04-17T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        store.start_at(t0).unwrap();
        let raws = vec![
            json!({"requestTime": "2026-04-17T08:00:01.000Z", "systemAccount": "ann", "ipAddress": "80.128.0.1"}),
            json!({"requestTime": "2026-04-17T08:00:02.000Z", "systemAccount": "bob", "ipAddress": "10.1.2.3"}),
        ];
        let rows = crate::activity::row::key_window(raws.clone());
        store
            .commit_window(&rows, t0 + chrono::Duration::hours(1))
            .unwrap();
        let tags = detect::Tags {
            risky: vec!["80.128.0.0/16".parse().unwrap()],
            corporate: vec!["10.0.0.0/8".parse().unwrap()],
            corporate_only: false,
        };
        let mut info = IpInfo::new(Some(detect::Geo::shipped()), tags);
        let all = EventFilter::default();

        let path = dir.path().join("out.csv");
        write_file(&store, &all, ExportFormat::Csv, &path, Some(&mut info)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
        assert_eq!(
            &header[..16],
            &CSV_COLUMNS[..16],
            "the old columns keep their order"
        );
        assert_eq!(&header[16..], ["country", "ip_tags"]);
        let recs: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        let row = |user: &str| recs.iter().find(|r| &r[1] == user).unwrap().clone();
        assert_eq!((&row("ann")[16], &row("ann")[17]), ("DE", "risky"));
        assert_eq!((&row("bob")[16], &row("bob")[17]), ("", "corporate"));
        let back = read_csv(text.as_bytes()).unwrap();
        let ann = back
            .iter()
            .find(|e| e.system_account.as_deref() == Some("ann"));
        assert_eq!(ann.unwrap().country.as_deref(), Some("DE"));
        assert_eq!(ann.unwrap().ip_tags, ["risky"]);

        let path = dir.path().join("out.ndjson");
        write_file(&store, &all, ExportFormat::Ndjson, &path, Some(&mut info)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let line = |user: &str| lines.iter().find(|l| l["systemAccount"] == user).unwrap();
        assert_eq!(line("ann")["country"], "DE");
        assert_eq!(line("ann")["ip_tags"], json!(["risky"]));
        assert_eq!(
            line("bob")["country"],
            Value::Null,
            "a private address has no country"
        );
        assert_eq!(line("bob")["ip_tags"], json!(["corporate"]));
        // Appended after Workday's fields, which read back exactly.
        assert!(text.lines().all(|l| l.ends_with("]}")), "{text}");
        let raw = read_ndjson(text.as_bytes()).unwrap();
        assert!(raws.iter().all(|r| raw.contains(r)), "{raw:?}");

        let mut table = Vec::new();
        let mut w = EventWriter::new(TextFormat::Table, &mut table);
        for mut e in store.query(&all).unwrap() {
            info.enrich(&mut e);
            w.write(&e).unwrap();
        }
        w.finish().unwrap();
        let table = String::from_utf8(table).unwrap();
        assert!(table.lines().next().unwrap().contains("COUNTRY"), "{table}");
        assert!(
            table
                .lines()
                .any(|l| l.contains("80.128.0.1") && l.contains("DE")),
            "{table}"
        );
    }

    #[test]
    fn formula_cells_get_a_quote_and_terminal_text_loses_its_controls() {
        for bad in ["=1+2", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "＝1"] {
            assert_eq!(csv_cell(bad), format!("'{bad}"), "{bad:?}");
        }
        for fine in ["", "View Worker", "198.51.100.7", "a=b", " =1", "'=1"] {
            assert_eq!(csv_cell(fine), fine, "{fine:?}");
        }
        assert_eq!(
            terminal_text("a\u{1b}[2Jb\u{7}c\u{7f}d\u{9b}e\u{202e}f\ng"),
            "a\u{fffd}[2Jb\u{fffd}c\u{fffd}d\u{fffd}e\u{fffd}f\u{fffd}g"
        );
        assert_eq!(terminal_text("Zoë – 東京"), "Zoë – 東京");
    }

    #[test]
    fn a_file_export_makes_formulas_inert_and_reads_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("e.sqlite3")).unwrap();
        let t0 = DateTime::parse_from_rfc3339("2026-04-17T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        store.start_at(t0).unwrap();
        let raw = json!({"requestTime": "2026-04-17T08:00:01.000Z", "systemAccount": "=HYPERLINK(\"http://x\",\"y\")", "userAgent": "@cmd", "target": {"id": "-1", "descriptor": "+1"}});
        let rows = crate::activity::row::key_window(vec![raw.clone()]);
        store
            .commit_window(&rows, t0 + chrono::Duration::hours(1))
            .unwrap();
        let path = dir.path().join("out.csv");
        let all = EventFilter::default();
        write_file(&store, &all, ExportFormat::Csv, &path, None).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(&rec[1], "'=HYPERLINK(\"http://x\",\"y\")");
        assert_eq!(&rec[7], "'@cmd");
        assert_eq!(&rec[9], "'-1");
        assert_eq!(&rec[10], "'+1");
        assert_eq!(serde_json::from_str::<Value>(&rec[15]).unwrap(), raw);
        assert_eq!(
            read_csv(text.as_bytes()).unwrap(),
            store.query(&all).unwrap(),
            "read back exactly"
        );
    }

    #[test]
    fn csv_and_ndjson_round_trip() {
        let events = sample();
        let mut csv = Vec::new();
        write_csv(&events, &mut csv).unwrap();
        assert!(String::from_utf8_lossy(&csv).starts_with("request_time,system_account,"));
        assert_eq!(read_csv(&csv[..]).unwrap(), events);
        let mut nd = Vec::new();
        write_ndjson(&events, &mut nd).unwrap();
        let raw: Vec<Value> = events.iter().map(|e| e.raw.clone()).collect();
        assert_eq!(read_ndjson(&nd[..]).unwrap(), raw);
    }
}
