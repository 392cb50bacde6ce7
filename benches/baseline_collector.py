#!/usr/bin/env python3
"""Baseline activity-log collector written the way the peer collectors do it (a benchmark
comparison, not part of the product).

    python3 benches/baseline_collector.py CONFIG.json

`crates/connector/examples/sync_bench.rs --mode raw` writes CONFIG.json and runs this script as a
subprocess against its in-process simulator; CONFIG.json holds:

    {"endpoint": ".../activityLogging", "token": "...", "from": "...Z", "to": "...Z",
     "page_size": 1000, "offset_cap": 10000, "db": "/tmp/.../baseline.sqlite3"}

What it does, sequentially, one request at a time: one-hour windows over [from, to); per window
offset paging with `limit=page_size` (a window whose `total` reaches the offset cap is halved);
every page parsed with `requests`' JSON and inserted into SQLite (`sqlite3`, one transaction per
page). Prints one JSON line: events, pages, seconds, events_per_sec, peak_rss_kb.
"""

import json
import sqlite3
import sys
import time
from datetime import datetime, timedelta, timezone

import requests


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + cfg["token"]
    db = sqlite3.connect(cfg["db"])
    db.execute(
        "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, request_time TEXT, "
        "system_account TEXT, activity_action TEXT, task TEXT, raw TEXT)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS events_time ON events(request_time)")
    db.commit()
    page_size, cap = cfg["page_size"], cfg["offset_cap"]
    start, end = parse(cfg["from"]), parse(cfg["to"])
    windows = []
    t = start
    while t < end:
        windows.append((t, min(t + timedelta(hours=1), end)))
        t = windows[-1][1]

    events = pages = 0
    began = time.monotonic()
    cpu_began = time.process_time()
    while windows:
        a, b = windows.pop(0)
        offset = 0
        while True:
            r = session.get(
                cfg["endpoint"],
                params={
                    "from": iso(a),
                    "to": iso(b),
                    "type": "userActivity",
                    "limit": page_size,
                    "offset": offset,
                    "instancesReturned": 1,
                },
            )
            r.raise_for_status()
            body = r.json()
            pages += 1
            total = body.get("total", 0)
            if offset == 0 and total >= cap and (b - a).total_seconds() > 1:
                mid = a + timedelta(seconds=int((b - a).total_seconds()) // 2)
                windows[0:0] = [(a, mid), (mid, b)]
                break
            data = body.get("data", [])
            with db:
                db.executemany(
                    "INSERT INTO events (request_time, system_account, activity_action, task, raw) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [
                        (
                            e.get("requestTime"),
                            e.get("systemAccount"),
                            e.get("activityAction"),
                            e.get("taskDisplayName"),
                            json.dumps(e),
                        )
                        for e in data
                    ],
                )
            events += len(data)
            offset += len(data)
            if not data or offset >= total:
                break
    secs = time.monotonic() - began
    print(
        json.dumps(
            {
                "events": events,
                "pages": pages,
                "seconds": secs,
                "events_per_sec": events / secs if secs else 0.0,
                "peak_rss_kb": peak_rss_kb(),
                # User + system CPU of this process over the collection (requests, JSON, SQLite).
                "cpu_seconds": time.process_time() - cpu_began,
            }
        )
    )


def peak_rss_kb():
    """This process's own peak resident memory. Not getrusage's ru_maxrss: Linux carries a
    parent's maximum over fork and exec, so a child of a big process reports the parent's."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


if __name__ == "__main__":
    main()
