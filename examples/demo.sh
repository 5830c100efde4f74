#!/bin/sh
# The 60-second tour on the embedded default: a local queue in $OWNER_REPORT_HOME, no accounts.
set -eu
BIN=${OWNER_REPORT_BIN:-.build/debug}
HERE=$(dirname "$0")
echo "== queue: $OWNER_REPORT_HOME"

echo "== 1. a checkpoint, with the seed's flags"
"$BIN/owner-report-producer" checkpoint --team general-task --worker alice --task-id example-task \
  --progress 50% --done '第一階段完成' --next '等待第二階段結果' --status normal --source manual-checkpoint

echo "== 2. a note whose body comes from standard input"
printf '夜間備份完成:3 個資料庫,共 42 GiB。\n\n- db1 ✅\n- db2 ✅\n- db3 ✅\n' |
  "$BIN/owner-report-producer" note --title 'nightly backup' --body-file - --field host=backup-01

echo "== 3. a ready JSON report, validated and enqueued unchanged"
"$BIN/owner-report-producer" raw "$HERE/incident.json"

echo "== 4. a malformed report is refused with its line, and nothing is enqueued"
"$BIN/owner-report-producer" raw "$HERE/broken.md" || echo "(exit $?: refused, as it should be)"

echo "== pending/, oldest first"
ls -1 "$OWNER_REPORT_HOME/pending"
first=$(ls -1 "$OWNER_REPORT_HOME/pending" | head -n 1)
echo "== $first"
cat "$OWNER_REPORT_HOME/pending/$first"
