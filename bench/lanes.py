"""Lanes measured from outside (docs/design.md §5): the release driver as a process against the test
sink (Tests/Servers/http_sink.py) on 127.0.0.1, in one run, with ratios against the peer row beside it.

- a fast lane's latency (enqueue to receipt, p50/p99) alone, beside a lane that answers in 1 s, and
  beside one that hangs past the 30 s timeout;
- 8 lanes to destinations that answer in 20 ms (an internet round trip), against one such lane;
- a backlog to a Telegram-limited group (1 message/s, 20/min): catch-up digests against one message per report.

Run it through bench/lanes. --quick: smaller counts."""
import json, os, statistics, subprocess, sys, tempfile, time

QUICK = "--quick" in sys.argv
BIN = ".build/release"
WORK = tempfile.mkdtemp(prefix="owner-report-lanes.")
ENV = {k: v for k, v in os.environ.items() if not k.startswith("OWNER_REPORT_")}
TOKEN = "777002:bench-token"
N_LATENCY = 20 if QUICK else 40
N_BACKLOG = 300 if QUICK else 1000
N_ONE_BY_ONE = 0 if QUICK else 40


class Sink:
    """One sink process; `plan` rules pick the answer by what the body contains."""

    def __init__(self, name, plan):
        self.log, self.plan = f"{WORK}/{name}.jsonl", f"{WORK}/{name}-plan.json"
        with open(self.plan, "w") as f:
            json.dump(plan, f)
        self.proc = subprocess.Popen(["python3", "Tests/Servers/http_sink.py", "--log", self.log, "--plan", self.plan],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.port = int(self.proc.stdout.readline())

    def records(self):
        try:
            with open(self.log, encoding="utf-8") as f:
                data = f.read()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in data[:data.rfind("\n") + 1].splitlines() if line]

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def config(name, destinations, delivery=""):
    path = f"{WORK}/{name}.toml"
    with open(path, "w") as f:
        f.write(f'default_destination = "{destinations[0][0]}"\n[delivery]\n{delivery}\n')
        for dest, table in destinations:
            f.write(f"[destinations.{dest}]\n{table}\n")
    return path


def enqueue(queue, title, destination, status="normal", body="one line of news"):
    """A producer-named report, written in tmp/ and renamed into pending/ (atomic, as the producer
    links it); its name carries the enqueue time the latency counts from."""
    os.makedirs(f"{queue}/pending", exist_ok=True)
    os.makedirs(f"{queue}/tmp", exist_ok=True)
    t = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(t // 10**9)) + f".{t % 10**9:09d}Z"
    slug = title.replace(" ", "-")
    name = f"{stamp}-note-{slug}-00000000.md"
    with open(f"{queue}/tmp/{name}", "w") as f:
        f.write(f"---\nkind: note\ntitle: {title}\nstatus: {status}\ndestination: {destination}\n---\n{body}\n")
    os.rename(f"{queue}/tmp/{name}", f"{queue}/pending/{name}")
    return name, t / 1e9


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def latency_row(label, other_plan):
    """p50/p99 of the fast lane's reports, enqueued every 100 ms, alternating with the other lane's."""
    sink = Sink(f"lat-{label}", {"rules": other_plan, "default": {"status": 200, "body": "ok"}})
    queue = f"{WORK}/q-lat-{label}"
    url = f"http://127.0.0.1:{sink.port}"
    cfg = config(f"lat-{label}", [("fast", f'channel = "webhook"\nurl = "{url}/fast"'), ("other", f'channel = "webhook"\nurl = "{url}/other"')])
    daemon = subprocess.Popen([f"{BIN}/owner-report-driver", "--follow", "--queue", queue, "--config", cfg], env=ENV,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(f"{queue}/state/heartbeat"):
            break
        time.sleep(0.05)
    # One report first, not counted: the daemon's first send opens libcurl and the connection.
    warm, _ = enqueue(queue, "warm-up", "fast")
    for _ in range(100):
        if any(warm in r.get("body", "") for r in sink.records()):
            break
        time.sleep(0.05)
    sent = {}
    for i in range(N_LATENCY):
        if other_plan:
            enqueue(queue, f"other-lane {i}", "other")
        name, at = enqueue(queue, f"fast-lane {i}", "fast")
        sent[name] = at
        time.sleep(0.1)
    deadline = time.time() + 30
    received = {}
    while time.time() < deadline and len(received) < len(sent):
        for record in sink.records():
            try:
                body = json.loads(record["body"])
            except ValueError:
                continue
            if body.get("id") in sent and record.get("status") == 200:
                received.setdefault(body["id"], record["time"])
        time.sleep(0.1)
    daemon.terminate()
    daemon.wait()
    sink.stop()
    latencies = [received[n] - sent[n] for n in sent if n in received]
    if os.environ.get("LANES_VERBOSE"):
        print(label, " ".join(f"{x * 1000:.0f}" for x in latencies), file=sys.stderr)
    return (statistics.median(latencies), percentile(latencies, 99), len(latencies)) if latencies else (float("nan"),) * 2 + (0,)


def throughput(lanes, per_lane):
    """--once over lanes × per_lane reports to destinations answering in 20 ms; reports/s."""
    sink = Sink(f"tp-{lanes}", {"default": {"status": 200, "body": "ok", "delay": 0.02}})
    queue = f"{WORK}/q-tp-{lanes}"
    url = f"http://127.0.0.1:{sink.port}"
    cfg = config(f"tp-{lanes}", [(f"l{i}", f'channel = "webhook"\nurl = "{url}/l{i}"') for i in range(lanes)])
    for i in range(per_lane):
        for lane in range(lanes):
            enqueue(queue, f"tp {lane} {i}", f"l{lane}")
    started = time.time()
    subprocess.run([f"{BIN}/owner-report-driver", "--once", "--queue", queue, "--config", cfg], env=ENV, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    took = time.time() - started
    done = len(os.listdir(f"{queue}/sent"))
    sink.stop()
    return done / took, done, took


def telegram_backlog(n, catch_up):
    """--once over n short reports (one critical in the middle) to a group at 1/s and 20/min."""
    sink = Sink(f"tg-{n}-{catch_up}", {"default": {"service": {"telegram_token": TOKEN, "telegram_chats": ["-100900"],
                                                                "telegram_rate": {"per_chat": 1.0, "group_limit": 20, "group_window": 60}}}})
    queue = f"{WORK}/q-tg-{n}-{catch_up}"
    cfg = config(f"tg-{n}-{catch_up}", [("group", f'channel = "telegram"\ntarget = "-100900"\ntoken_env = "TG_TOKEN"\n'
                                                 f'api_base = "http://127.0.0.1:{sink.port}"')],
                 delivery=f"catch_up = {'true' if catch_up else 'false'}\ntimeout = \"10s\"")
    for i in range(n):
        enqueue(queue, f"job {i:04d} finished", "group", status="critical" if i == n // 2 else "normal", body=f"exit 0 after {i % 60}s")
    started = time.time()
    for _ in range(20):
        result = subprocess.run([f"{BIN}/owner-report-driver", "--once", "--queue", queue, "--config", cfg], env=dict(ENV, TG_TOKEN=TOKEN),
                                check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if result.returncode != 75:
            break
        time.sleep(1)
    took = time.time() - started
    messages = sum(1 for r in sink.records() if r.get("status") == 200)
    refused = sum(1 for r in sink.records() if r.get("status") == 429)
    done = len(os.listdir(f"{queue}/sent"))
    sink.stop()
    return took, messages, refused, done


def main():
    print(f"lanes bench ({'quick' if QUICK else 'full'}), {os.cpu_count()} cores, work in {WORK}", file=sys.stderr)
    print("latency…", file=sys.stderr)
    alone = latency_row("alone", [])
    slow = latency_row("slow", [{"contains": "other-lane", "delay": 1.0}])
    hang = latency_row("hang", [{"contains": "other-lane", "hang": 35}])
    print("throughput…", file=sys.stderr)
    one = throughput(1, 200 if QUICK else 400)
    eight = throughput(8, 25 if QUICK else 50)
    print("telegram backlog…", file=sys.stderr)
    packed = telegram_backlog(N_BACKLOG, True)
    single = telegram_backlog(N_ONE_BY_ONE, False) if N_ONE_BY_ONE else None

    print()
    print("| measure | owner-report | peer, same run | ratio |")
    print("|---|---|---|---|")
    print(f"| fast lane alone, latency (n={alone[2]}) | p50 {alone[0] * 1000:.0f} ms, p99 {alone[1] * 1000:.0f} ms | | |")
    for label, row in (("beside a lane answering in 1 s", slow), ("beside a lane hanging past the 30 s timeout", hang)):
        print(f"| fast lane {label} (n={row[2]}) | p50 {row[0] * 1000:.0f} ms, p99 {row[1] * 1000:.0f} ms | alone: p50 {alone[0] * 1000:.0f} ms "
              f"| p50 ×{row[0] / alone[0]:.2f} |")
    print(f"| 8 lanes, sinks answering in 20 ms ({eight[1]} reports) | {eight[0]:.1f} reports/s | 1 lane: {one[0]:.1f} reports/s "
          f"| ×{eight[0] / one[0]:.2f} |")
    line = f"| {packed[3]} reports to a Telegram group (1/s, 20/min), catch-up | {packed[0]:.0f} s, {packed[1]} messages, {packed[2]} 429s |"
    if single:
        rate = single[3] / single[0]
        line += (f" one message per report: {single[3]} in {single[0]:.0f} s ({single[1]} messages, {single[2]} 429s), "
                 f"so {packed[3] / rate / 60:.0f} min for {packed[3]} | ×{(packed[3] / rate) / packed[0]:.0f} faster |")
    else:
        line += " (--quick: not measured) | |"
    print(line)


main()
