#!/usr/bin/env python3
"""An SMTP receiver on 127.0.0.1 for the integration tests, built on aiosmtpd.

It requires a login (--user/--password, AUTH PLAIN or LOGIN without TLS, as a local relay would),
refuses the recipients given with --reject (550, as a real server refuses an unknown mailbox), and
writes one JSON line per message to --log: the envelope and what Python's `email` parser reads
(content types, decoded subject, To, Cc, each part's text). The port is printed on the first line.
"""
import argparse
import asyncio
import email
import email.header
import email.policy
import json
import socket
import time
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

parser = argparse.ArgumentParser()
parser.add_argument("--log", required=True)
parser.add_argument("--user", required=True)
parser.add_argument("--password", required=True)
parser.add_argument("--reject", action="append", default=[])
args = parser.parse_args()
# A login without TLS is what a local relay accepts; aiosmtpd warns about it on every start.
warnings.filterwarnings("ignore", category=UserWarning)


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user \
        and auth_data.password.decode() == args.password
    # handled=False: aiosmtpd then answers 535 itself (with True it would answer nothing).
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login.decode() if ok else None)


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in args.reject:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        parts = [{"type": part.get_content_type(), "text": part.get_content()}
                 for part in message.walk() if not part.is_multipart()]
        record = {
            "time": time.time(), "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
            "content_type": message.get_content_type(), "subject": str(message["subject"]),
            "raw_subject": envelope.original_content.decode("ascii", "replace").split("\r\nSubject: ", 1)[-1].split("\r\n")[0],
            "to": str(message["to"]), "cc": str(message["cc"]) if message["cc"] else None,
            "bcc_header": message["bcc"] is not None, "message_id": str(message["message-id"]),
            "date": str(message["date"]), "parts": parts, "login": session.auth_data,
            "crlf_only": b"\n" not in envelope.original_content.replace(b"\r\n", b""),
        }
        with open(args.log, "a", encoding="utf-8") as log:
            log.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 2.0.0 Message accepted for delivery"


probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
controller = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticate,
                        auth_required=True, auth_require_tls=False)
controller.start()
print(port, flush=True)
asyncio.run(asyncio.Event().wait())
