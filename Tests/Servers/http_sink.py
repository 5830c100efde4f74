#!/usr/bin/env python3
"""A scriptable HTTP receiver on 127.0.0.1 for the integration tests.

It records every request (path, headers, body, the answer it chose) as one JSON line in --log, and
answers by the plan in --plan, re-read on every request so a test can change it between runs:

  {"default": {"status": 200, "body": "ok"},
   "rules": [{"contains": "report 03", "status": 503, "times": 1,
              "headers": {"Retry-After": "2"}, "body": "...", "hang": 5, "close": true}]}

A rule applies to a request whose body contains its text, at most `times` times (always when
absent). `hang` sleeps that many seconds before answering (past the client's timeout); `delay` sleeps
that long and then answers as planned (a slow relay: the status is logged); `close` drops the
connection without an answer. The port is printed on the first line of standard output.

With `"service": {...}` in the plan, a request no rule matches is answered the way the real chat
services answer (see service_answer): Discord's bot API and webhooks, Telegram's sendMessage and
Slack's incoming webhooks, their limits and error bodies included. The text the service would show
is logged as "shown". `"discord_rate": {"limit": 5, "per": 1.0}` in the service makes every Discord
message share one window, answered with Discord's 429 when it is full. `"telegram_rate": {"per_chat": 1.0,
"group_limit": 20, "group_window": 60}` enforces the Bot FAQ's limits on sendMessage: about one message a
second to a chat and 20 a minute to a group, answered with Telegram's 429 and its retry_after.

The server speaks HTTP/1.1 and keeps connections open; with --http10 it answers as HTTP/1.0 and
closes every connection after its answer, so each request costs the client a new connection.
"""
import argparse
import html.parser
import itertools
import json
import os
import re
import socket
import sys
import threading
import urllib.parse
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--log", required=True)
parser.add_argument("--plan", required=True)
parser.add_argument("--http10", action="store_true", help="answer as HTTP/1.0: one request per connection")
args = parser.parse_args()

lock = threading.Lock()
used = {}
# The log stays open, line-buffered: each record is on disk for a reader as soon as it is written.
log_file = open(args.log, "a", encoding="utf-8", buffering=1)
# The plan is re-read when the file changes. Tests replace it by rename(2), so a new plan is always a
# new inode while the old one still exists: (inode, mtime, size) tells every change apart.
plan_cache = {"key": None, "plan": {}}


def current_plan():
    try:
        info = os.stat(args.plan)
    except OSError:
        return {}
    key = (info.st_ino, info.st_mtime_ns, info.st_size)
    with lock:
        if plan_cache["key"] == key:
            return plan_cache["plan"]
    try:
        with open(args.plan, encoding="utf-8") as f:
            plan = json.load(f)
    except (OSError, ValueError):
        return {}
    with lock:
        plan_cache.update(key=key, plan=plan)
    return plan


def choose(body):
    plan = current_plan()
    with lock:
        for index, rule in enumerate(plan.get("rules", [])):
            key = json.dumps(rule, sort_keys=True) + str(index)
            if rule.get("contains", "") in body and ("times" not in rule or used.get(key, 0) < rule["times"]):
                used[key] = used.get(key, 0) + 1
                return rule
    return plan.get("default", {"status": 200, "body": "ok"})


message_ids = itertools.count(1000)
nonces = {}
# Times of the Discord messages accepted, for the plan's shared limit (`discord_rate`).
discord_accepted = []


def discord_rate_limit(service):
    """The plan's `discord_rate` ({"limit": 5, "per": 1.0}) shared by every Discord message, as a
    channel's shared bucket is: a 429 with Discord's body and headers when the window is full, else
    the headers of a success. None when the plan sets no limit."""
    rate = service.get("discord_rate")
    if not rate:
        return None, {}
    limit, per = int(rate["limit"]), float(rate.get("per", 1.0))
    now = time.time()
    with lock:
        while discord_accepted and discord_accepted[0] <= now - per:
            discord_accepted.pop(0)
        if len(discord_accepted) >= limit:
            wait = round(discord_accepted[0] + per - now, 3)
            headers = {"Retry-After": str(max(1, int(wait + 0.999))), "X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": "0",
                       "X-RateLimit-Reset-After": str(wait), "X-RateLimit-Scope": "shared"}
            return (429, headers, {"message": "You are being rate limited.", "retry_after": wait, "global": False}, None), {}
        discord_accepted.append(now)
        remaining = limit - len(discord_accepted)
        reset = round(discord_accepted[0] + per - now, 3)
    return None, {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset-After": str(reset)}


# Times of the Telegram messages accepted, per chat, for the plan's `telegram_rate`.
telegram_accepted = {}


def telegram_rate_limit(service, chat):
    """A 429 the way Telegram answers one, when a message to `chat` now would break the plan's
    `telegram_rate`; None otherwise (and the message is counted)."""
    rate = service.get("telegram_rate")
    if not rate:
        return None
    per_chat = float(rate.get("per_chat", 1.0))
    limit, window = int(rate.get("group_limit", 20)), float(rate.get("group_window", 60.0))
    now = time.time()
    with lock:
        times = telegram_accepted.setdefault(chat, [])
        while times and times[0] <= now - window:
            times.pop(0)
        wait = 0.0
        # A little slack on the spacing: the client paces on its own clock, the server on arrival.
        if times and now - times[-1] < per_chat * 0.9:
            wait = times[-1] + per_chat - now
        if len(times) >= limit:
            wait = max(wait, times[0] + window - now)
        if wait > 0:
            seconds = max(1, int(wait + 0.999))
            return 429, {"Retry-After": str(seconds)}, {"ok": False, "error_code": 429,
                                                        "description": f"Too Many Requests: retry after {seconds}",
                                                        "parameters": {"retry_after": seconds}}, None
        times.append(now)
    return None


def utf16_length(text):
    return len(text.encode("utf-16-le")) // 2


class TelegramHTML(html.parser.HTMLParser):
    """Telegram's parse_mode HTML: its tag subset only, balanced, entities lt gt amp quot only."""
    ALLOWED = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre",
               "blockquote", "tg-emoji"}

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.stack, self.text, self.error = [], [], None

    def fail(self, why):
        self.error = self.error or why

    def handle_starttag(self, tag, attrs):
        if tag not in self.ALLOWED:
            self.fail(f"unsupported start tag \"{tag}\"")
        if "pre" in self.stack and tag != "code" or "code" in self.stack:
            self.fail(f"can't nest {tag} in pre/code")
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.fail(f"unmatched end tag \"{tag}\"")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if "<" in data or ">" in data or "&" in data:
            self.fail("unescaped <, > or &")
        self.text.append(data)

    def handle_entityref(self, name):
        if name not in {"lt", "gt", "amp", "quot"}:
            self.fail(f"unsupported entity &{name};")
        self.text.append({"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(name, ""))

    def handle_charref(self, name):
        self.text.append(chr(int(name[1:], 16) if name[0] in "xX" else int(name)))


def valid_inline_keyboard(markup):
    """An InlineKeyboardMarkup as the Bot API takes it: rows of buttons with text and 1-64 bytes of callback_data."""
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        return False
    return all(isinstance(button, dict) and button.get("text") and 1 <= len(str(button.get("callback_data", "")).encode()) <= 64
               for row in rows for button in row)


def telegram_bot_method(service, token, method, data):
    """getUpdates (long polling over the plan's `telegram_updates`, from `offset` on), answerCallbackQuery
    and editMessageReplyMarkup, with the Bot API's fields and errors."""
    if token != service.get("telegram_token"):
        return 401, {}, {"ok": False, "error_code": 401, "description": "Unauthorized"}, None
    if method == "getUpdates":
        offset = int(data.get("offset") or 0)
        deadline = time.time() + min(float(data.get("timeout") or 0), 1.0)
        while True:
            updates = [u for u in current_plan().get("default", {}).get("service", {}).get("telegram_updates", [])
                       if u.get("update_id", 0) >= offset]
            if updates or time.time() >= deadline:
                return 200, {}, {"ok": True, "result": updates}, None
            time.sleep(0.05)
    if method == "answerCallbackQuery":
        if not data.get("callback_query_id"):
            return 400, {}, {"ok": False, "error_code": 400,
                             "description": "Bad Request: query is too old and response timeout expired or query ID is invalid"}, None
        return 200, {}, {"ok": True, "result": True}, data.get("text", "")
    if not data.get("chat_id") or not data.get("message_id"):
        return 400, {}, {"ok": False, "error_code": 400, "description": "Bad Request: message to edit not found"}, None
    if not valid_inline_keyboard(data.get("reply_markup")):
        return 400, {}, {"ok": False, "error_code": 400, "description": "Bad Request: BUTTON_DATA_INVALID"}, None
    shown = " | ".join(button["text"] for row in data["reply_markup"]["inline_keyboard"] for button in row)
    return 200, {}, {"ok": True, "result": {"message_id": data["message_id"], "chat": {"id": data["chat_id"]},
                                            "reply_markup": data["reply_markup"]}}, shown


def discord_get(service, path, headers):
    """The two reads of Discord's bot API that acknowledgements use: who reacted with an emoji to a
    message (GET …/messages/{id}/reactions/{emoji}), and the messages after one (GET …/messages?after=),
    newest first, from the plan's `discord_reactions` ({message id: [users]}) and `discord_messages`."""
    if headers.get("authorization") != "Bot " + service.get("discord_token", ""):
        return 401, {}, {"message": "401: Unauthorized", "code": 0}, None
    limits = {"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "4", "X-RateLimit-Reset-After": "1.0"}
    match = re.fullmatch(r"/api/v10/channels/(\d+)/messages/(\d+)/reactions/([^/?]+)(\?.*)?", path)
    if match:
        emoji = urllib.parse.unquote(match.group(3))
        users = service.get("discord_reactions", {}).get(match.group(2), []) if emoji == "✅" else []
        return 200, limits, users, None
    match = re.fullmatch(r"/api/v10/channels/(\d+)/messages\?(.*)", path)
    if match:
        query = urllib.parse.parse_qs(match.group(2))
        after = int(query.get("after", ["0"])[0])
        limit = min(int(query.get("limit", ["50"])[0]), 100)
        later = [m for m in service.get("discord_messages", []) if int(m["id"]) > after]
        return 200, limits, sorted(later, key=lambda m: int(m["id"]), reverse=True)[:limit], None
    return 404, {}, {"message": "404: Not Found", "code": 0}, None


def service_answer(service, path, headers, raw):
    """Status, extra headers, body and the text shown, the way the real service would answer."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError:
        data = None
    match = re.fullmatch(r"/api/v10/channels/(\d+)/messages", path)
    hook = re.fullmatch(r"/api/webhooks/([^/?]+)/([^/?]+)(\?.*)?", path)
    if match or hook:
        if match and headers.get("authorization") != "Bot " + service.get("discord_token", ""):
            return 401, {}, {"message": "401: Unauthorized", "code": 0}, None
        if hook and f"{hook.group(1)}/{hook.group(2)}" not in service.get("discord_webhooks", []):
            return 404, {}, {"message": "Unknown Webhook", "code": 10015}, None
        if not isinstance(data, dict):
            return 400, {}, {"message": "Invalid Form Body", "code": 50035}, None
        content = data.get("content") or ""
        if not content:
            return 400, {}, {"message": "Cannot send an empty message", "code": 50006}, None
        if len(content) > 2000:
            return 400, {}, {"message": "Invalid Form Body", "code": 50035, "errors": {"content": {"_errors": [
                {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}}}, None
        if match and data.get("enforce_nonce") and data.get("nonce") in nonces:
            return 200, {}, nonces[data["nonce"]], content
        limited, limits = discord_rate_limit(service)
        if limited:
            return limited
        message = {"id": str(next(message_ids)), "content": content, "channel_id": match.group(1) if match else "hook"}
        if match and data.get("enforce_nonce"):
            nonces[data.get("nonce")] = message
        if hook and "wait=true" not in (hook.group(3) or ""):
            return 204, limits, None, content
        return 200, limits, message, content
    match = re.fullmatch(r"/bot([^/]+)/(getUpdates|answerCallbackQuery|editMessageReplyMarkup)", path)
    if match:
        return telegram_bot_method(service, match.group(1), match.group(2), data if isinstance(data, dict) else {})
    match = re.fullmatch(r"/bot([^/]+)/sendMessage", path)
    if match:
        if match.group(1) != service.get("telegram_token"):
            return 401, {}, {"ok": False, "error_code": 401, "description": "Unauthorized"}, None
        if not isinstance(data, dict):
            return 400, {}, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}, None
        chat = str(data.get("chat_id"))
        moved = service.get("telegram_migrate", {}).get(chat)
        if moved:
            return 400, {}, {"ok": False, "error_code": 400, "description": "Bad Request: group chat was upgraded to a supergroup chat",
                             "parameters": {"migrate_to_chat_id": int(moved)}}, None
        if chat not in service.get("telegram_chats", [chat]):
            return 400, {}, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}, None
        text = data.get("text") or ""
        if data.get("parse_mode") == "HTML":
            parser = TelegramHTML()
            parser.feed(text)
            parser.close()
            if parser.stack:
                parser.fail(f"unclosed tag \"{parser.stack[-1]}\"")
            if parser.error:
                return 400, {}, {"ok": False, "error_code": 400,
                                 "description": f"Bad Request: can't parse entities: {parser.error}"}, None
            text = "".join(parser.text)
        if not text.strip():
            return 400, {}, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}, None
        if utf16_length(text) > 4096:
            return 400, {}, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}, None
        if "reply_markup" in data and not valid_inline_keyboard(data["reply_markup"]):
            return 400, {}, {"ok": False, "error_code": 400, "description": "Bad Request: BUTTON_DATA_INVALID"}, None
        limited = telegram_rate_limit(service, chat)
        if limited:
            return limited
        return 200, {}, {"ok": True, "result": {"message_id": next(message_ids), "chat": {"id": int(chat)}, "text": text}}, text
    if path.startswith("/services/"):
        if path not in service.get("slack_paths", []):
            return 404, {}, "no_service", None
        if not isinstance(data, dict):
            return 400, {}, "invalid_payload", None
        if not data.get("text"):
            return 400, {}, "no_text", None
        return 200, {}, "ok", data["text"]
    return 404, {}, "not found", None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0" if args.http10 else "HTTP/1.1"
    # One buffered write per answer and no Nagle: otherwise headers and body go out as two segments
    # and the client's delayed ACK adds ~40 ms to every request.
    wbufsize = 65536
    disable_nagle_algorithm = True

    def log_message(self, *_):
        pass

    def do_GET(self):
        self.do_POST(method="GET")

    def do_POST(self, method="POST"):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        body = raw.decode("utf-8", errors="replace")
        # A GET has no body: rules match its path instead.
        answer = choose(body if method == "POST" else self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        shown = None
        if "service" in answer:
            if method == "GET":
                status, extra, reply, shown = discord_get(answer["service"], self.path, headers)
            else:
                status, extra, reply, shown = service_answer(answer["service"], self.path, headers, raw)
            answer = {"status": status, "headers": extra,
                      "body": "" if reply is None else reply if isinstance(reply, str) else json.dumps(reply, ensure_ascii=False)}
        elif isinstance(answer.get("body"), (dict, list)):
            answer = dict(answer, body=json.dumps(answer["body"]))
        record = {"time": time.time(), "method": method, "path": self.path, "headers": headers, "body": body, "shown": shown,
                  "answer": answer.get("body") if isinstance(answer.get("body"), str) else None,
                  "status": None if answer.get("close") or answer.get("hang") else answer.get("status", 200)}
        with lock:
            log_file.write(json.dumps(record, ensure_ascii=False) + "\n")
        if answer.get("hang"):
            time.sleep(answer["hang"])
        if answer.get("delay"):
            time.sleep(answer["delay"])
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
