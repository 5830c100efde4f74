#!/usr/bin/env python3
"""One HTTP request to owner-report-intake, printed as JSON: {"status", "headers", "body"}.

Usage: intake_client.py METHOD URL [--unix PATH] [--header NAME:VALUE ...] [--body-file FILE]
                        [--sign SECRET --webhook-id ID [--timestamp UNIX]] [--repeat N]

--sign signs the body with PyPI's `standardwebhooks` library (the reference implementation), as
another owner-report's webhook channel would; --timestamp moves the signed time (an old one).
A connection the server resets or closes without an answer prints status 0.
"""
import argparse
import datetime
import http.client
import json
import socket
import sys
import urllib.parse


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(self.unix_path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("method")
    parser.add_argument("url")
    parser.add_argument("--unix")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--body-file")
    parser.add_argument("--sign")
    parser.add_argument("--webhook-id")
    parser.add_argument("--timestamp", type=int)
    args = parser.parse_args()

    body = open(args.body_file, "rb").read() if args.body_file else b""
    headers = {"Content-Type": "application/json"}
    for header in args.header:
        name, _, value = header.partition(":")
        headers[name.strip()] = value.strip()
    if args.sign:
        from standardwebhooks.webhooks import Webhook

        when = (datetime.datetime.fromtimestamp(args.timestamp, tz=datetime.timezone.utc) if args.timestamp
                else datetime.datetime.now(tz=datetime.timezone.utc))
        headers["webhook-id"] = args.webhook_id
        headers["webhook-timestamp"] = str(int(when.timestamp()))
        headers["webhook-signature"] = Webhook(args.sign).sign(args.webhook_id, when, body.decode("utf-8"))

    url = urllib.parse.urlsplit(args.url)
    connection = UnixConnection(args.unix) if args.unix else http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.request(args.method, url.path or "/", body=body, headers=headers)
        response = connection.getresponse()
        result = {"status": response.status, "headers": {k.lower(): v for k, v in response.getheaders()},
                  "body": response.read().decode("utf-8", "replace")}
    except (ConnectionError, http.client.RemoteDisconnected, socket.timeout) as error:
        result = {"status": 0, "headers": {}, "body": str(error)}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
