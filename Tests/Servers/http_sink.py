#!/usr/bin/env python3
"""A scriptable HTTP receiver on 127.0.0.1 for the integration tests.

It records every request (path, headers, body, the answer it chose) as one JSON line in --log, and
answers by the plan in --plan, re-read on every request so a test can change it between runs:

  {"default": {"status": 200, "body": "ok"},
   "rules": [{"contains": "report 03", "status": 503, "times": 1,
              "headers": {"Retry-After": "2"}, "body": "...", "hang": 5, "close": true}]}

A rule applies to a request whose body contains its text, at most `times` times (always when
absent). `hang` sleeps that many seconds before answering (past the client's timeout); `close`
drops the connection without an answer. The port is printed on the first line of standard output.
"""
import argparse
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--log", required=True)
parser.add_argument("--plan", required=True)
args = parser.parse_args()

lock = threading.Lock()
used = {}


def choose(body):
    try:
        with open(args.plan, encoding="utf-8") as f:
            plan = json.load(f)
    except (OSError, ValueError):
        plan = {}
    with lock:
        for index, rule in enumerate(plan.get("rules", [])):
            key = json.dumps(rule, sort_keys=True) + str(index)
            if rule.get("contains", "") in body and ("times" not in rule or used.get(key, 0) < rule["times"]):
                used[key] = used.get(key, 0) + 1
                return rule
    return plan.get("default", {"status": 200, "body": "ok"})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One buffered write per answer and no Nagle: otherwise headers and body go out as two segments
    # and the client's delayed ACK adds ~40 ms to every request.
    wbufsize = 65536
    disable_nagle_algorithm = True

    def log_message(self, *_):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        body = raw.decode("utf-8", errors="replace")
        answer = choose(body)
        record = {"time": time.time(), "path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                  "body": body, "status": None if answer.get("close") or answer.get("hang") else answer.get("status", 200)}
        with lock, open(args.log, "a", encoding="utf-8") as log:
            log.write(json.dumps(record, ensure_ascii=False) + "\n")
        if answer.get("hang"):
            time.sleep(answer["hang"])
        if answer.get("close"):
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        payload = answer.get("body", "ok").encode("utf-8")
        self.send_response(answer.get("status", 200))
        for name, value in answer.get("headers", {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
