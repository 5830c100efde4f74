"""owner-report against its peers: drain throughput, latency, a 100,000-report backlog, the cost of a
cron pass, an idle daemon's memory. Every program runs as a process against the same local sink
(Tests/Servers/http_sink.py). CPU and peak RSS come from wait4(2), taken by bench/rusage (a small C
launcher): a child forked from Python would count the interpreter's ~14 MiB, which Linux carries
across exec, in its peak RSS. Run it through bench/run."""
import json, os, random, shutil, statistics, subprocess, sys, tempfile, time

import queuefill

QUICK = "--quick" in sys.argv
N_DRAIN = 2000 if QUICK else 10000
N_APPRISE = 40 if QUICK else 150
N_FOLLOW = 50 if QUICK else 150
N_WATCHDOG = 2 if QUICK else 4
N_BACKLOG = 20000 if QUICK else 100000
N_ROUND_TRIPS = 20 if QUICK else 50
BIN = ".build/release"
RUSAGE = "bench/out/rusage"
WORK = tempfile.mkdtemp(prefix="owner-report-bench.")
ENV = {k: v for k, v in os.environ.items() if not k.startswith("OWNER_REPORT_")}
rows = []


def run(argv, env=None):
    """Runs argv to the end under bench/rusage; returns (exit status, wall s, CPU s, peak RSS MiB)."""
    result = subprocess.run([RUSAGE] + argv, env=env or ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    fields = result.stdout.split()
    if result.returncode != 0 or len(fields) < 4:
        raise SystemExit(f"bench/rusage failed on {argv[0]}: {result.stderr.strip()[:300]}")
    status, wall, cpu, rss = int(fields[0]), float(fields[1]), float(fields[2]), int(fields[3]) / 1024
    if status not in (0, 75):
        print(f"  {argv[0]} exited {status}: {result.stderr.strip()[:300]}", file=sys.stderr)
    return status, wall, cpu, rss


def sink(http10=False):
    """The test sink answering 200; with http10 it closes every connection after its answer."""
    name = "sink10" if http10 else "sink"
    log, plan = f"{WORK}/{name}.jsonl", f"{WORK}/{name}-plan.json"
    with open(plan, "w") as f:
        json.dump({"default": {"status": 200, "body": "ok"}}, f)
    proc = subprocess.Popen(["python3", "Tests/Servers/http_sink.py", "--log", log, "--plan", plan] + (["--http10"] if http10 else []),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    port = int(proc.stdout.readline())
    return proc, port, log


def accepted(log, marker):
    try:
        with open(log, encoding="utf-8") as f:
            return sum(1 for line in f if marker in line)
    except FileNotFoundError:
        return 0


def config(port, path):
    file = f"{WORK}/config-{path}.toml"
    with open(file, "w") as f:
        f.write(f'default_destination = "hook"\n[destinations.hook]\nchannel = "webhook"\n'
                f'url = "http://127.0.0.1:{port}/{path}"\n[destinations.local]\nchannel = "file"\npath = "outbox"\n')
    return file


def fill(queue, n, label):
    """n producer-named reports straight into pending/ (the producer's own cost is measured apart)."""
    queuefill.fill(queue, n, label, title=lambda i: f"{label} {i}", body=lambda i: f"基準測試 {i} 🚀 " + "x" * 200 + "\n",
                   front="team: bench\n")


def row(section, what, n, wall, cpu, rss, note=""):
    rows.append((section, what, n, wall, cpu, rss, note))
    rate = n / wall if wall else 0
    print(f"  {what:<44} n={n:<6} {wall:8.2f} s  {rate:9.1f}/s  CPU {cpu * 1000 / max(n, 1):7.3f} ms/report  "
          f"peak {rss:6.1f} MiB {note}", file=sys.stderr)


SEED_LOOP = r'''
import json, os, sys, requests
pending, sent, url = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(sent, exist_ok=True)
session = requests.Session()
for name in sorted(os.listdir(pending)):
    with open(os.path.join(pending, name), encoding="utf-8") as f:
        text = f.read()
    response = session.post(url, json={"content": text}, timeout=10)
    if response.status_code // 100 != 2:
        sys.exit(f"{name}: {response.status_code}")   # stop on failure, as the original Python scripts do
    os.replace(os.path.join(pending, name), os.path.join(sent, name))
'''


def floor(n=500):
    """What the disk allows, measured in the bench's own directory: fsyncs a second, and the durable
    publish every report pays at least once (write + fsync + link + directory fsync + unlink)."""
    directory = os.path.join(WORK, "floor")
    os.makedirs(directory, exist_ok=True)
    fd = os.open(os.path.join(directory, "f"), os.O_WRONLY | os.O_CREAT, 0o600)
    start = time.perf_counter()
    for _ in range(n):
        os.write(fd, b"x")
        os.fsync(fd)
    fsyncs = n / (time.perf_counter() - start)
    os.close(fd)
    dirfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    start = time.perf_counter()
    for i in range(n):
        staging, final = os.path.join(directory, f".t{i}"), os.path.join(directory, f"r{i}")
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, b"x" * 300)
        os.fsync(fd)
        os.close(fd)
        os.link(staging, final)
        os.fsync(dirfd)
        os.unlink(staging)
    publishes = n / (time.perf_counter() - start)
    os.close(dirfd)
    shutil.rmtree(directory)
    return fsyncs, publishes


def drain_pair(port, log, label):
    """owner-report's driver and the requests loop, each draining N_DRAIN reports to the same sink."""
    queue = f"{WORK}/q-drain-{label}"
    fill(queue, N_DRAIN, f"drain-{label}")
    status, wall, cpu, rss = run([f"{BIN}/owner-report-driver", "--once", "--queue", queue, "--config", config(port, f"drain-{label}")])
    assert accepted(log, f'"path": "/drain-{label}"') == N_DRAIN, "the sink did not get every report"
    row("drain", f"owner-report-driver --once (webhook, {label})", N_DRAIN, wall, cpu, rss)
    ours = (wall, cpu)
    seed_queue = f"{WORK}/q-seed-{label}"
    fill(seed_queue, N_DRAIN, f"seed-{label}")
    try:
        import requests  # noqa: F401
    except ImportError:
        print("  requests is not installed: no seed row", file=sys.stderr)
        return ours, None
    status, wall, cpu, rss = run(["python3", "-c", SEED_LOOP, f"{seed_queue}/pending", f"{seed_queue}/sent",
                                  f"http://127.0.0.1:{port}/seed-{label}"], env=dict(ENV, PYTHONPATH=os.environ.get("PYTHONPATH", "")))
    row("drain", f"Python requests loop ({label})", N_DRAIN, wall, cpu, rss, "no ledger, no fsync")
    return ours, (wall, cpu)


def idle_daemon(port):
    """driver --follow after delivering 50 reports, then idle: its resident memory and CPU ticks."""
    queue = f"{WORK}/q-follow"
    fill(queue, 50, "follow")
    daemon = subprocess.Popen([f"{BIN}/owner-report-driver", "--follow", "--queue", queue, "--config", config(port, "follow")],
                              env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def delivered():
            try:
                return len(os.listdir(f"{queue}/sent"))
            except FileNotFoundError:
                return 0

        deadline = time.time() + 60
        while delivered() < 50:
            if time.time() > deadline:
                raise SystemExit("the --follow daemon did not deliver its 50 reports")
            time.sleep(0.05)
        time.sleep(1)

        def sample():
            with open(f"/proc/{daemon.pid}/status") as f:
                status = dict(line.split(":", 1) for line in f if ":" in line)
            with open(f"/proc/{daemon.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            mib = lambda key: int(status[key].split()[0]) / 1024
            return mib("VmRSS"), mib("RssAnon"), mib("VmHWM"), int(fields[11]) + int(fields[12])

        ticks_before = sample()[3]
        time.sleep(10)
        rss, anonymous, peak, ticks_after = sample()
        return rss, anonymous, peak, ticks_after - ticks_before
    finally:
        daemon.terminate()
        daemon.wait()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def mcp_round_trips(cfg):
    """Seconds of each `report_checkpoint` call through one `producer mcp` (bench/mcp_roundtrip.py,
    the reference client from .venv-test); None when that client is not installed."""
    python = ".venv-test/bin/python"
    if not os.path.exists(python):
        return None
    # Room for every call: an agent is bounded like a submitting user (100 waiting by default).
    with open(cfg) as f, open(f"{WORK}/config-mcp.toml", "w") as out:
        out.write(f.read() + f"[submit]\nmax_pending_per_user = {N_ROUND_TRIPS * 20}\n")
    cfg = f"{WORK}/config-mcp.toml"
    result = subprocess.run([python, "bench/mcp_roundtrip.py", str(N_ROUND_TRIPS * 10), f"{BIN}/owner-report-producer", f"{WORK}/q-mcp", cfg],
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        print(f"  MCP round trips failed: {result.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    return [float(line) for line in result.stdout.split()]


def checkpoint_rows(producer, mcp_calls):
    """The table's rows for one checkpoint: by a producer process, and by an agent over MCP."""
    med = statistics.median
    walls = [r[1] for r in producer]
    rows = [f"| one `producer checkpoint` (median of {len(producer)}) | {med(walls) * 1000:.1f} ms, peak {med(r[3] for r in producer):.1f} MiB | | |"]
    if mcp_calls:
        rows.append(
            f"| one `report_checkpoint` over MCP, durable (n={len(mcp_calls)}, one server) | p50 {percentile(mcp_calls, 50) * 1000:.1f} ms, "
            f"p99 {percentile(mcp_calls, 99) * 1000:.1f} ms | `producer checkpoint` as a process (n={len(walls)}): p50 "
            f"{percentile(walls, 50) * 1000:.1f} ms, p99 {percentile(walls, 99) * 1000:.1f} ms | "
            f"{percentile(walls, 50) / percentile(mcp_calls, 50):.1f}× faster at p50 |")
    else:
        rows.append("| one `report_checkpoint` over MCP | not measured: the reference client is missing (make mcp-client) | | |")
    return rows


def checkpoints_only():
    """bench/run --checkpoints: only the checkpoint rows (a producer process, an MCP round trip)."""
    proc, port, _ = sink()
    try:
        cfg = config(port, "checkpoints")
        run([f"{BIN}/owner-report-producer", "note", "--queue", f"{WORK}/q-producer", "--config", cfg, "--title", "warm-up"])
        producer = [run([f"{BIN}/owner-report-producer", "checkpoint", "--queue", f"{WORK}/q-producer", "--config", cfg,
                         "--team", "t", "--worker", "w", "--task-id", "x", "--progress", "50%"]) for _ in range(N_ROUND_TRIPS)]
        mcp_calls = mcp_round_trips(cfg)
    finally:
        proc.terminate()
    fsyncs, publishes = floor()
    print(f"\nFloor on this disk: {fsyncs:,.0f} fsyncs/s ({1e6 / fsyncs:.0f} µs each); {publishes:,.0f} durable publishes/s.")
    print("\n| measure | owner-report | peer | ratio |\n|---|---|---|---|")
    for line in checkpoint_rows(producer, mcp_calls):
        print(line)
    shutil.rmtree(WORK, ignore_errors=True)


def main():
    if "--checkpoints" in sys.argv:
        return checkpoints_only()
    began = time.perf_counter()
    print(f"owner-report benchmarks ({'quick' if QUICK else 'full'}), {os.cpu_count()} cores, work in {WORK}", file=sys.stderr)
    launcher_floor = statistics.median(run(["/bin/true"])[3] for _ in range(5))
    print(f"  /bin/true under bench/rusage: peak {launcher_floor:.1f} MiB (the measuring floor)", file=sys.stderr)
    proc, port, log = sink()
    proc10, port10, log10 = sink(http10=True)
    try:
        # 1. Drain throughput, against a keep-alive (HTTP/1.1) sink and a connection-per-request (HTTP/1.0) one.
        print("drain…", file=sys.stderr)
        keepalive = drain_pair(port, log, "keep-alive")
        http10 = drain_pair(port10, log10, "HTTP-1.0")

        apprise = None
        if shutil.which("python3") and subprocess.run(["python3", "-c", "import apprise"], env=dict(ENV, PYTHONPATH=os.environ.get("PYTHONPATH", "")),
                                                       capture_output=True).returncode == 0:
            env = dict(ENV, PYTHONPATH=os.environ.get("PYTHONPATH", ""))
            total_wall = total_cpu = peak = 0.0
            for i in range(N_APPRISE):
                body = f"基準測試 {i} 🚀 " + "x" * 200
                status, wall, cpu, rss = run(["python3", "-c", "import sys; from apprise.cli import main; sys.exit(main())",
                                              "-t", f"apprise {i}", "-b", body,
                                              f"json://127.0.0.1:{port}/apprise"], env=env)
                total_wall, total_cpu, peak = total_wall + wall, total_cpu + cpu, max(peak, rss)
            got = accepted(log, '"path": "/apprise"')
            row("drain", "Apprise CLI, one process per report", N_APPRISE, total_wall, total_cpu, peak, f"({got} accepted)")
            apprise = (total_wall / N_APPRISE * N_DRAIN, total_cpu / N_APPRISE * N_DRAIN)
        else:
            print("  apprise is not installed: no Apprise row", file=sys.stderr)

        # 2. Latency, producer exit to the sink's receipt.
        print("latency…", file=sys.stderr)
        latency = subprocess.run(["bash", "bench/latency", str(N_FOLLOW), str(N_WATCHDOG)], capture_output=True, text=True, env=ENV)
        latency_rows = [line for line in latency.stdout.splitlines() if line.startswith(("driver", "watchdog"))]

        # 3. A backlog of 100,000: time and memory to pick and deliver the oldest one.
        print(f"backlog of {N_BACKLOG}…", file=sys.stderr)
        queue = f"{WORK}/q-backlog"
        fill(queue, N_BACKLOG, "backlog")
        status, wall, cpu, rss = run([f"{BIN}/owner-report-driver", "--once", "--max-count", "1", "--queue", queue,
                                      "--config", config(port, "backlog")])
        oldest = sorted(os.listdir(f"{queue}/sent"))
        assert len(oldest) == 1 and "-000000-" in oldest[0], f"not the oldest: {oldest}"
        backlog = (wall, rss)

        # 4. The cost of one cron pass: the watchdog on an empty queue, and the producer.
        print("cron pass…", file=sys.stderr)
        queue = f"{WORK}/q-empty"
        cfg = config(port, "empty")
        run([f"{BIN}/owner-report-producer", "note", "--queue", queue, "--config", cfg, "--title", "warm-up"])
        run([f"{BIN}/owner-report-driver", "--once", "--queue", queue, "--config", cfg])
        watchdog = [run([f"{BIN}/owner-report-watchdog", "--queue", queue, "--config", cfg]) for _ in range(10)]
        producer = [run([f"{BIN}/owner-report-producer", "checkpoint", "--queue", f"{WORK}/q-producer", "--config", cfg,
                         "--team", "t", "--worker", "w", "--task-id", "x", "--progress", "50%"]) for _ in range(N_ROUND_TRIPS)]

        # 4b. The same checkpoint from an agent: one MCP round trip, durable, through one server.
        print("MCP round trips…", file=sys.stderr)
        mcp_calls = mcp_round_trips(cfg)

        # 5. The --follow daemon at rest.
        print("idle daemon…", file=sys.stderr)
        idle = idle_daemon(port)
    finally:
        proc.terminate()
        proc10.terminate()

    med = lambda runs, i: statistics.median(r[i] for r in runs)
    fsyncs, publishes = floor()
    print()
    print(f"Floor on this disk (the bench's directory): {fsyncs:,.0f} fsyncs/s ({1e6 / fsyncs:.0f} µs each); "
          f"{publishes:,.0f} durable publishes/s (write + fsync + link + directory fsync: {1e6 / publishes:.0f} µs). "
          f"Peak RSS is measured from {launcher_floor:.1f} MiB (/bin/true under the same launcher).")
    print()
    print("| measure | owner-report | peer | ratio |")
    print("|---|---|---|---|")
    for label, (ours, seed) in (("keep-alive HTTP/1.1", keepalive), ("HTTP/1.0, a connection per request", http10)):
        ours_rate, ours_cpu = N_DRAIN / ours[0], ours[1] / N_DRAIN * 1000
        print(f"| drain {N_DRAIN} reports to a local sink, {label} | {ours_rate:,.0f} reports/s, {ours_cpu:.2f} CPU s per 1,000 | | |")
        if seed:
            print(f"| … Python requests loop (the original Python scripts' stack: no ledger, no fsync) | | {N_DRAIN / seed[0]:,.0f} reports/s, "
                  f"{seed[1] / N_DRAIN * 1000:.2f} CPU s per 1,000 | {ours_rate / (N_DRAIN / seed[0]):.2f}× the rate, "
                  f"{ours_cpu / (seed[1] / N_DRAIN * 1000):.2f}× the CPU |")
    if apprise:
        ours_rate, ours_cpu = N_DRAIN / keepalive[0][0], keepalive[0][1] / N_DRAIN * 1000
        print(f"| … Apprise CLI, one process per report ({N_APPRISE} sent) | | {N_DRAIN / apprise[0]:,.1f} reports/s, "
              f"{apprise[1] / N_DRAIN * 1000:.1f} CPU s per 1,000 | {ours_rate / (N_DRAIN / apprise[0]):.0f}× the rate, "
              f"{(apprise[1] / N_DRAIN * 1000) / ours_cpu:.0f}× less CPU |")
    for line in latency_rows:
        parts = line.split()
        label = " ".join(parts[:-5])
        print(f"| latency, {label} (n={parts[-5]}) | median {float(parts[-4]):.3f} s, p99 {float(parts[-2]):.3f} s | | |")
    print(f"| pick the oldest of {N_BACKLOG:,} pending and deliver it | {backlog[0]:.2f} s, peak {backlog[1]:.0f} MiB | | |")
    print(f"| one watchdog pass, empty queue (median of 10) | {med(watchdog, 1) * 1000:.1f} ms, peak {med(watchdog, 3):.1f} MiB | | |")
    for line in checkpoint_rows(producer, mcp_calls):
        print(line)
    print(f"| idle `driver --follow` after 50 reports | {idle[0]:.1f} MiB resident, {idle[1]:.1f} MiB of it private (peak {idle[2]:.1f}), "
          f"{idle[3]} CPU ticks in 10 s | | |")
    print(f"\n(release build as `make install` ships it (static Swift runtime), {os.cpu_count()} cores; CPU and peak RSS by wait4(2) "
          f"under bench/rusage; latency from bench/latency; Apprise's rate is per process launch, as a cron job or hook would run it; "
          f"the whole run took {(time.perf_counter() - began) / 60:.1f} min)")
    shutil.rmtree(WORK, ignore_errors=True)


main()
