"""Producer-named reports straight into a queue's pending/, oldest first: the benches' backlogs (the
producer's own cost is measured apart)."""
import os, time


def fill(queue, n, label, title, body, front="", digits=6):
    """n notes named `…-note-{label}-{i}-…`, with `title(i)`, `body(i)` and extra front-matter lines."""
    os.makedirs(f"{queue}/pending", exist_ok=True)
    base = time.time_ns() - n * 1000
    for i in range(n):
        t = base + i * 1000
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(t // 10**9)) + f".{t % 10**9:09d}Z"
        with open(f"{queue}/pending/{stamp}-note-{label}-{i:0{digits}d}-00000000.md", "w") as f:
            f.write(f"---\nkind: note\ntitle: {title(i)}\n{front}---\n{body(i)}")
