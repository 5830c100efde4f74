"""The fleet bench: ship, verify --fleet and daily --fleet over a large ledger in a real PostgreSQL
server, and the relay chain under a shared rate limit. Run it through bench/fleet."""
import csv, glob, hashlib, json, os, shutil, sqlite3, subprocess, sys, tempfile, time, urllib.request

import queuefill

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
PER_ORIGIN = int(sys.argv[2]) if len(sys.argv) > 2 else 40
BIN = ".build/release"
RUSAGE = "bench/out/rusage"
WORK = tempfile.mkdtemp(prefix="owner-report-fleet-bench.")
os.chmod(WORK, 0o755)
ENV = {k: v for k, v in os.environ.items() if not k.startswith("OWNER_REPORT_")}
PASSWORD = "bench-fleet-pass"
# When the bench ledger's rows were recorded (one report a second from here).
LEDGER_BASE = 1_795_000_000_000_000_000
procs = []


def run(argv, env=None):
    """argv under bench/rusage: (exit status, wall s, CPU s, peak RSS MiB, stdout of the child)."""
    out = f"{WORK}/child.out"
    with open(out, "w") as f:
        result = subprocess.run([RUSAGE] + argv, env=env or ENV, stdout=subprocess.PIPE, stderr=f, text=True)
    fields = result.stdout.split()
    status, wall, cpu, rss = int(fields[0]), float(fields[1]), float(fields[2]), int(fields[3]) / 1024
    if status != 0:
        print(f"  {os.path.basename(argv[0])} exited {status}: {open(out).read()[-400:]}", file=sys.stderr)
    return status, wall, cpu, rss


def postgres():
    """Debian's newest postgres in WORK/pg on a free port, as nobody when root (initdb refuses root)."""
    bin_dir = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))[-1]
    data = f"{WORK}/pg"
    os.makedirs(data)
    prefix = []
    if os.geteuid() == 0:
        prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]
        shutil.chown(data, "nobody", "nogroup")
    with open(f"{data}/pw", "w") as f:
        f.write(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(f"{data}/pw", "nobody", "nogroup")
    subprocess.run(prefix + [f"{bin_dir}/initdb", "-D", f"{data}/data", "-U", "fleet", "--auth=scram-sha-256", f"--pwfile={data}/pw",
                             "-E", "UTF8", "--locale=C", "--no-sync"], check=True, stdout=subprocess.DEVNULL)
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    # Durable as a real fleet database would be: fsync stays on.
    procs.append(subprocess.Popen(prefix + [f"{bin_dir}/postgres", "-D", f"{data}/data", "-c", "listen_addresses=127.0.0.1", "-p", str(port),
                                            "-c", f"unix_socket_directories={data}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for _ in range(100):
        if psql(port, "SELECT 1", "postgres").strip() == "1":
            break
        time.sleep(0.1)
    psql(port, "CREATE DATABASE fleet", "postgres")
    return port


def psql(port, sql, database="fleet", stdin=None):
    result = subprocess.run(["psql", f"postgresql://fleet@127.0.0.1:{port}/{database}", "-X", "-At", "-c", sql],
                            env=dict(ENV, PGPASSWORD=PASSWORD), input=stdin, capture_output=True, text=True)
    return result.stdout


def hashed(row):
    """The ledger's row hash (LedgerEvent.hashedContent), for a ledger made here with valid chains."""
    seq, at, event, report, destination, status, part, parts, detail, enq, sha, nb, prev, facts = row
    fields = [str(seq), at, event, report, destination, None if status is None else str(status), None if part is None else str(part),
              None if parts is None else str(parts), detail, None if enq is None else str(enq), sha, None if nb is None else str(nb), prev]
    if facts is not None:
        fields.append("facts=" + facts)
    text = "".join("-;" if f is None else f"{len(f.encode())}:{f};" for f in fields)
    return hashlib.sha256(text.encode()).hexdigest()


def big_ledger(queue, rows):
    """A ledger as a day of deliveries leaves it: enqueued, attempt, part_delivered, delivered, archived."""
    env = dict(ENV, OWNER_REPORT_HOME=queue)
    subprocess.run([f"{BIN}/owner-report-producer", "note", "--title", "seed", "--body", "x"], env=env, check=True, stdout=subprocess.DEVNULL)
    db = sqlite3.connect(f"{queue}/ledger.sqlite3")
    seq, prev = db.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    base = LEDGER_BASE
    batch = []
    for i in range(rows - 1):
        seq += 1
        n, step = divmod(i, 5)
        t = base + n * 1_000_000_000 + step * 1000
        at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t // 10**9)) + f".{(t // 1000) % 10**6:06d}Z"
        report = f"20260101T000000.{n:09d}Z-note-bench-{n:06d}-00000000.md"
        kind = ["enqueued", "attempt", "part_delivered", "delivered", "archived"][step]
        row = (seq, at, kind, report, None if step in (0, 4) else "hook", 200 if step == 2 else None, 1 if step in (1, 2) else None,
               1 if step in (1, 2, 3) else None, "note from bench" if step == 0 else None, t if step == 0 else None,
               hashlib.sha256(report.encode()).hexdigest() if step == 0 else None, None, prev,
               json.dumps({"kind": "note", "title": f"bench {n}"}, separators=(",", ":")) if step == 0 else None)
        prev = hashed(row)
        batch.append(row[:13] + (prev, row[13]))
    db.executemany("INSERT INTO events (seq, at, event, report, destination, status, part, parts, detail, enqueued_at_ns, sha256, "
                   "not_before_ns, prev_hash, hash, facts) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", batch)
    db.commit()
    db.close()


def line(what, n, wall, cpu, rss, note=""):
    print(f"  {what:<52} n={n:<7} {wall:8.2f} s {n / wall if wall else 0:10.1f}/s  CPU {cpu:6.2f} s  peak {rss:6.1f} MiB  {note}")


def ship_bench():
    print(f"ship: a {ROWS:,}-row ledger into PostgreSQL on 127.0.0.1 (fsync on)")
    port = postgres()
    queue = f"{WORK}/host"
    os.makedirs(queue)
    big_ledger(queue, ROWS)
    with open(f"{WORK}/fleet.toml", "w") as f:
        f.write('[fleet]\nhost = "bench-1"\ndatabase_env = "FLEET_DB"\n[destinations.hook]\nchannel = "file"\n')
    env = dict(ENV, OWNER_REPORT_HOME=queue, OWNER_REPORT_CONFIG=f"{WORK}/fleet.toml",
               FLEET_DB=f"host=127.0.0.1 port={port} user=fleet dbname=fleet password={PASSWORD}")
    status, wall, cpu, rss = run([f"{BIN}/owner-report-archiver", "ship"], env)
    shipped = int(psql(port, "SELECT count(*) FROM owner_report_events").strip() or 0)
    line("owner-report-archiver ship (batches of 500)", shipped, wall, cpu, rss)
    ship_rate = shipped / wall
    # The peer: the same rows as CSV through psql's \copy into a twin table (no conflict check, no resume).
    psql(port, "CREATE TABLE twin (LIKE owner_report_events INCLUDING DEFAULTS)")
    db = sqlite3.connect(f"{queue}/ledger.sqlite3")
    with open(f"{WORK}/rows.csv", "w", newline="") as f:
        writer = csv.writer(f)
        for r in db.execute("SELECT 'bench-1', seq, at, event, report, destination, status, part, parts, detail, enqueued_at_ns, sha256, "
                            "not_before_ns, prev_hash, hash, facts FROM events ORDER BY seq"):
            writer.writerow(["" if v is None else v for v in r])
    db.close()
    columns = "host, seq, at, event, report, destination, status, part, parts, detail, enqueued_at_ns, sha256, not_before_ns, prev_hash, hash, facts"
    start = time.perf_counter()
    subprocess.run(["psql", f"postgresql://fleet@127.0.0.1:{port}/fleet", "-X", "-q", "-c",
                    f"\\copy twin ({columns}) FROM '{WORK}/rows.csv' CSV"], env=dict(ENV, PGPASSWORD=PASSWORD), check=True)
    copy_wall = time.perf_counter() - start
    line("peer: psql \\copy of the same rows (CSV)", shipped, copy_wall, 0, 0, "(CPU and memory not measured: psql + server)")
    print(f"  ship / \\copy: {ship_rate / (shipped / copy_wall):.2f}× the bulk-load floor's rate")
    status, wall, cpu, rss = run([f"{BIN}/owner-report-archiver", "verify", "--fleet"], env)
    line("owner-report-archiver verify --fleet", shipped, wall, cpu, rss, f"exit {status}")
    # The day that holds every row (the worst case: the whole ledger is the period's).
    day_end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(LEDGER_BASE // 10**9 + ROWS // 5 + 3600))
    status, wall, cpu, rss = run([f"{BIN}/owner-report-producer", "daily", "--fleet", "--dry-run", "--at", day_end], env)
    line("owner-report-producer daily --fleet --dry-run (all in the day)", shipped, wall, cpu, rss, f"exit {status}")
    status, wall, cpu, rss = run([f"{BIN}/owner-report-producer", "daily", "--dry-run", "--at", day_end], env)
    line("peer: the host's own daily --dry-run, same day", shipped, wall, cpu, rss, f"exit {status}")
    status, wall, cpu, rss = run([f"{BIN}/owner-report-archiver", "ship"], env)
    line("owner-report-archiver ship, nothing new", 1, wall, cpu, rss)


def sink(service):
    log, plan = f"{WORK}/sink-{len(procs)}.jsonl", f"{WORK}/plan-{len(procs)}.json"
    with open(plan, "w") as f:
        json.dump({"default": {"service": service}}, f)
    proc = subprocess.Popen(["python3", "Tests/Servers/http_sink.py", "--log", log, "--plan", plan], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    procs.append(proc)
    return int(proc.stdout.readline()), log


def channel_log(log):
    try:
        with open(log, encoding="utf-8") as f:
            records = [json.loads(l) for l in f]
    except FileNotFoundError:
        return []
    return [r for r in records if r["path"].endswith("/channels/4242/messages")]


def start(argv, env):
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(proc)
    return proc


def relay_run(label, limited, direct, n):
    port, log = sink({"discord_token": "bench-token", **({"discord_rate": {"limit": 5, "per": 1.0}} if limited else {})})
    discord = (f'channel = "discord"\ntarget = "channel:4242"\ntoken_env = "BENCH_BOT"\napi_base = "http://127.0.0.1:{port}/api/v10"\n')
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    env = dict(ENV, BENCH_BOT="bench-token", BENCH_RELAY=secret)
    workers = []
    if not direct:
        centre = f"{WORK}/{label}-centre"
        os.makedirs(centre)
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        intake_port = s.getsockname()[1]
        s.close()
        with open(f"{centre}.toml", "w") as f:
            f.write(f'default_destination = "chat"\n[intake]\nrelay_secret_env = "BENCH_RELAY"\n[destinations.chat]\n{discord}')
        centre_env = dict(env, OWNER_REPORT_HOME=centre, OWNER_REPORT_CONFIG=f"{centre}.toml")
        workers.append(start([f"{BIN}/owner-report-intake", "--listen", f"127.0.0.1:{intake_port}"], centre_env))
        workers.append(start([f"{BIN}/owner-report-driver", "--follow"], centre_env))
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{intake_port}/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.05)
    hosts = ["web-1", "web-2", "db-1"]
    for host in hosts:
        queue = f"{WORK}/{label}-{host}"
        queuefill.fill(queue, n, host, title=lambda i: f"{host} #{i:04d}", body=lambda i: f"from {host}\n", digits=4)
        with open(f"{queue}.toml", "w") as f:
            if direct:
                f.write(f'default_destination = "chat"\n[fleet]\nhost = "{host}"\n[destinations.chat]\n{discord}')
            else:
                f.write(f'default_destination = "centre"\n[fleet]\nhost = "{host}"\n[destinations.centre]\nchannel = "webhook"\n'
                        f'url = "http://127.0.0.1:{intake_port}/v1/relay"\nsecret_env = "BENCH_RELAY"\n')
    started = time.perf_counter()
    for host in hosts:
        queue = f"{WORK}/{label}-{host}"
        workers.append(start([f"{BIN}/owner-report-driver", "--follow"], dict(env, OWNER_REPORT_HOME=queue, OWNER_REPORT_CONFIG=f"{queue}.toml")))
    total = n * len(hosts)
    while True:
        records = channel_log(log)
        accepted = [r for r in records if (r["status"] or 0) // 100 == 2]
        if len(accepted) >= total or time.perf_counter() - started > 600:
            break
        time.sleep(0.05)
    wall = accepted[-1]["time"] - records[0]["time"] if accepted else 0
    for proc in workers:
        proc.terminate()
    for proc in workers:
        proc.wait()
    limited_429 = sum(1 for r in records if r["status"] == 429)
    print(f"  {label:<52} n={len(accepted):<7} {wall:8.2f} s {len(accepted) / wall if wall else 0:10.2f}/s  "
          f"429s: {limited_429} ({limited_429 / max(1, len(accepted)):.2f} per message)")
    return len(accepted) / wall if wall else 0, limited_429


def relay_bench():
    print(f"relay: 3 origin hosts × {PER_ORIGIN} reports into a Discord-like sink (5 messages/s, shared)")
    relay_rate, relay_429 = relay_run("3 origins → centre → sink (relay)", True, False, PER_ORIGIN)
    direct_rate, direct_429 = relay_run("peer: 3 origins → sink (each posts itself)", True, True, PER_ORIGIN)
    print(f"  relay / direct: {relay_rate / direct_rate:.2f}× the rate, 429s {relay_429} vs {direct_429}")
    print(f"relay with no limit: 3 origin hosts × {PER_ORIGIN * 5} reports, two hops (webhook → intake → discord)")
    relay_run("3 origins → centre → sink, unlimited", False, False, PER_ORIGIN * 5)


try:
    fsync_start = time.perf_counter()
    ship_bench()
    relay_bench()
finally:
    for proc in procs:
        proc.kill()
    for proc in procs:
        proc.wait()
    subprocess.run(["rm", "-rf", WORK])
