#!/usr/bin/env bash
# Benchmark harness: generates the synthetic corpora, times cold builds of demarcate (and of
# Hugo on the same pages when `hugo` is installed), a no-change rebuild, and serve's
# save-to-reload latency for a body edit and an ownership edit. Prints medians.
#
#   benches/bench.sh [PAGES] [RUNS]      # defaults: 10000 pages, 3 runs
#
# Each timed build writes to a fresh folder after `sync`; old outputs are deleted in the
# background between runs, never just before one (deleting a big tree slows the next run).
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES=${1:-10000}
RUNS=${2:-3}
GEN=${DEMARCATE_SHARED:-../shared}/bench/gen-corpus.py
WORK=${BENCH_DIR:-/tmp/demarcate-bench}
BIN=target/release/demarcate

cargo build --release --quiet
mkdir -p "$WORK"
corpus="$WORK/corpus-$PAGES"
if [ ! -d "$corpus" ]; then
  python3 "$GEN" --pages "$PAGES" --out "$corpus" >/dev/null
fi

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# time_cmd OUTFILE CMD... : appends "seconds peak_kb" of one run
time_cmd() {
  local out=$1; shift
  sync
  /usr/bin/time -f '%e %M' -o "$out.one" "$@" >/dev/null 2>&1 || true
  cat "$out.one" >> "$out"
}

echo "corpus: $PAGES playbooks ($(du -sh "$corpus/content" | cut -f1) of Markdown), $RUNS runs, $(nproc) cores"
rm -f "$WORK"/*.times
for r in $(seq 1 "$RUNS"); do
  time_cmd "$WORK/cold.times" "$BIN" build "$corpus" -o "$WORK/out-$r" --quiet
done
cold=$(cut -d' ' -f1 "$WORK/cold.times" | median)
cold_mem=$(cut -d' ' -f2 "$WORK/cold.times" | median)
printf 'demarcate cold build   median %6.2f s   peak %5d MB\n' "$cold" "$((cold_mem / 1024))"

if command -v hugo >/dev/null 2>&1; then
  hcorpus="$WORK/hugo-$PAGES"
  [ -d "$hcorpus" ] || python3 "$GEN" --pages "$PAGES" --out "$hcorpus" --flavor hugo >/dev/null
  for r in $(seq 1 "$RUNS"); do
    time_cmd "$WORK/hugo.times" hugo --source "$hcorpus" --destination "$WORK/hugo-out-$r" --quiet
  done
  hugo_t=$(cut -d' ' -f1 "$WORK/hugo.times" | median)
  hugo_mem=$(cut -d' ' -f2 "$WORK/hugo.times" | median)
  printf 'hugo cold build        median %6.2f s   peak %5d MB   (demarcate is %.1fx faster)\n' "$hugo_t" "$((hugo_mem / 1024))" "$(echo "$hugo_t / $cold" | bc -l)"
else
  echo "hugo not installed: skipping the peer (apt-get install hugo)"
fi

# Serve: save-to-reload latency, measured from the file write to the SSE reload event.
python3 - "$BIN" "$corpus" "$RUNS" <<'PY'
import os, socket, statistics, subprocess, sys, time
binary, corpus, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
proc = subprocess.Popen([binary, "serve", corpus, "--port", str(port)], stderr=subprocess.PIPE, text=True)
try:
    t0 = time.time()
    for line in proc.stderr:
        if "Serving" in line:
            break
    else:
        sys.exit("serve stopped before it was ready")
    print(f"serve startup (first build)      {time.time() - t0:6.2f} s")
    page = None
    for root, _, files in os.walk(os.path.join(corpus, "content")):
        for f in sorted(files):
            if f.endswith(".md"):
                page = os.path.join(root, f); break
        if page: break
    original = open(page).read()
    def wait_reload(edit):
        c = socket.create_connection(("127.0.0.1", port)); c.settimeout(120)
        c.sendall(b"GET /__demarcate/events HTTP/1.1\r\nHost: x\r\n\r\n")
        buf = b""
        while b"retry:" not in buf: buf += c.recv(4096)
        start = time.perf_counter(); edit()
        while b"event: reload" not in buf: buf += c.recv(4096)
        c.close(); return (time.perf_counter() - start) * 1000
    body, owner = [], []
    for i in range(runs * 2):
        body.append(wait_reload(lambda: open(page, "w").write(original + f"\nBody edit {i}.\n")))
    for i in range(runs):
        text = original.replace("coverage: business-hours", "coverage: extended-hours", 1) if i % 2 == 0 else original
        owner.append(wait_reload(lambda: open(page, "w").write(text + f"\n<!-- {i} -->\n")))
    open(page, "w").write(original)
    print(f"serve body edit → reload       median {statistics.median(body):7.1f} ms")
    print(f"serve front-matter edit → reload median {statistics.median(owner):7.1f} ms")
finally:
    proc.kill()
PY

# Outputs are removed only now: deleting big trees between timed runs slows the next run.
rm -rf "$WORK"/out-* "$WORK"/hugo-out-*
