#!/usr/bin/env python3
"""A Splunk HEC sink for the forwarding benchmark: accepts every POST to /services/collector/event
with the expected token, counts the envelopes (one per line) and answers HEC's success. Binds
127.0.0.1 port 0 and writes the port it got to the file named as its first argument."""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = sys.argv[2] if len(sys.argv) > 2 else "bench-token"
count = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        ok = (self.path == "/services/collector/event"
              and self.headers.get("Authorization") == f"Splunk {TOKEN}")
        if ok:
            count += body.count(b"\n")
        answer = b'{"text":"Success","code":0}' if ok else b'{"text":"Invalid token","code":4}'
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def do_GET(self):
        answer = str(count).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
