#!/bin/sh
# The 60-second tour on the embedded default: a local queue in $OWNER_REPORT_HOME, no accounts.
set -eu
BIN=${OWNER_REPORT_BIN:-.build/debug}
HERE=$(dirname "$0")
echo "== queue: $OWNER_REPORT_HOME (destination: the embedded default, file into outbox/)"

echo "== 1. a checkpoint, with the original Python scripts' flags"
"$BIN/owner-report-producer" checkpoint --team general-task --worker alice --task-id example-task \
  --progress 50% --done '第一階段完成' --next '等待第二階段結果' --status normal --source manual-checkpoint

echo "== 2. a note whose body comes from standard input"
printf '夜間備份完成:3 個資料庫,共 42 GiB。\n\n- db1 ✅\n- db2 ✅\n- db3 ✅\n' |
  "$BIN/owner-report-producer" note --title 'nightly backup' --body-file - --field host=backup-01

echo "== 3. a ready JSON report, validated and enqueued unchanged"
"$BIN/owner-report-producer" raw "$HERE/incident.json"

echo "== 4. a malformed report is refused with its line, and nothing is enqueued"
"$BIN/owner-report-producer" raw "$HERE/broken.md" || echo "(exit $?: refused, as it should be)"

echo "== 5. a file copied in by hand that is not UTF-8 text: the driver will quarantine it"
printf 'title: \377\376 not text\n' > "$OWNER_REPORT_HOME/pending/dropped-by-hand.md"

echo "== 5b. over HTTP: owner-report-intake answers 202 only once the report is on disk and recorded"
SOCK="$OWNER_REPORT_HOME/intake-demo.sock"
"$BIN/owner-report-intake" --socket "$SOCK" &
INTAKE=$!
python3 - "$SOCK" <<'PY'
import http.client, json, socket, sys, time
class Unix(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(sys.argv[1])
body = json.dumps({"kind": "note", "title": "build 42 passed", "fields": {"pipeline": "ci"}, "body": "posted over HTTP"})
for _ in range(100):
    try:
        connection = Unix("localhost")
        connection.request("POST", "/v1/reports", body=body, headers={"Idempotency-Key": "build-42"})
        response = connection.getresponse()
        print(response.status, response.read().decode().strip())
        break
    except (FileNotFoundError, ConnectionRefusedError):
        time.sleep(0.05)
PY
kill "$INTAKE"; wait "$INTAKE" 2>/dev/null || true

echo "== 6. what the driver would send (--dry-run changes nothing)"
"$BIN/owner-report-driver" --once --dry-run | head -n 12

echo "== 7. deliver: oldest first, into outbox/, archived in sent/"
"$BIN/owner-report-driver" --once || true
echo "-- sent/:";    ls -1 "$OWNER_REPORT_HOME/sent"
echo "-- failed/:";  ls -1 "$OWNER_REPORT_HOME/failed"
echo "-- outbox/:";  ls -1 "$OWNER_REPORT_HOME/outbox"
first=$(ls -1 "$OWNER_REPORT_HOME/outbox" | head -n 1)
echo "== $first"
cat "$OWNER_REPORT_HOME/outbox/$first"

echo "== 8. the ledger's story of that report (append-only, hash-chained)"
python3 - "$OWNER_REPORT_HOME/ledger.sqlite3" "${first%.txt}" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
for seq, at, event, dest, detail, h in db.execute(
        "SELECT seq, at, event, destination, detail, hash FROM events WHERE report LIKE ? ORDER BY seq",
        (sys.argv[2] + ".%",)):
    print(f"{seq:>4}  {at}  {event:<15} {dest or '':<8} {h[:12]}…  {detail or ''}")
PY

echo "== 9. an incident that lasted 12 minutes: resolving it also enqueues its postmortem"
id="INC-$(date +%s)"
"$BIN/owner-report-producer" incident open --id "$id" --title 'API 5xx above 2%' --severity critical \
  --category availability --service api --at "$(date -u -d '-15 min' +%Y-%m-%dT%H:%M:%SZ)"
"$BIN/owner-report-producer" incident resolve --id "$id" --at "$(date -u -d '-3 min' +%Y-%m-%dT%H:%M:%SZ)" \
  --root-cause 'connection pool exhausted after a deploy' --action 'rolled back, raised the pool to 50'

echo "== 10. the daily report: the last 24 hours of this queue's ledger"
"$BIN/owner-report-producer" daily

echo "== 11. the weekly report: this week's commits of this repository, and the ledger"
if git -C "$HERE/.." rev-parse --git-dir >/dev/null 2>&1; then
  "$BIN/owner-report-producer" weekly --git-repo "$HERE/.."
else
  "$BIN/owner-report-producer" weekly
fi
"$BIN/owner-report-driver" --once >/dev/null || true
for kind in daily weekly; do
  latest=$(ls -1 "$OWNER_REPORT_HOME/outbox" | grep -- "-$kind-" | tail -n 1)
  echo "== $latest"
  cat "$OWNER_REPORT_HOME/outbox/$latest"
done
echo "-- the weekly Markdown is archived in $OWNER_REPORT_HOME/archive/weekly/:"
ls -1 "$OWNER_REPORT_HOME/archive/weekly"

echo "== 12. the archiver: file sent/ by day, then check every file and ledger row"
"$BIN/owner-report-archiver"
"$BIN/owner-report-archiver" verify
"$BIN/owner-report-archiver" status | head -n 8
