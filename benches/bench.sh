#!/usr/bin/env bash
# Benchmark harness: generates the synthetic corpora, times cold builds of demarcate (and of
# Hugo on the same pages when `hugo` is installed), warm rebuilds from the build cache (no
# change, a body edit, an ownership edit, a playbook added and deleted, a tenth of the playbooks
# retitled), and serve's save-to-reload latency for each kind of save (body, front-matter, a
# playbook added and deleted, a template, the config, a front-matter error and its fix). Prints
# medians.
#
#   benches/bench.sh [PAGES] [RUNS]      # defaults: 10000 pages, 3 runs
#   benches/bench.sh scale               # cold builds of 1,000, 10,000 and 100,000 playbooks
#                                        # (SCALE_BIG_RUNS=3 for a median at 100,000; default 1),
#                                        # each beside the disk's floor: the same files written
#                                        # by a bare loop (examples/write_floor.rs)
#
# Each timed build writes to a fresh folder once the disk is quiet (`settle`): old outputs are
# deleted only after the timed runs, and a run right after a big deletion (even one finished
# with `sync`) is slowed by seconds while the file system frees the blocks.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES=${1:-10000}
RUNS=${2:-3}
GEN=${DEMARCATE_SHARED:-../shared}/bench/gen-corpus.py
WORK=${BENCH_DIR:-/tmp/demarcate-bench}
BIN=target/release/demarcate

cargo build --release --quiet --bin demarcate --example write_floor
FLOOR=target/release/examples/write_floor
mkdir -p "$WORK"
# One invocation at a time per work folder: one started while another deletes its outputs would
# time its builds during that deletion, and skip the wait after it (whose clock starts when the
# deletion ends).
exec 9>"$WORK/.bench-lock"
if ! flock -n 9; then
  echo "waiting for the other invocation using $WORK to finish" >&2
  flock 9
fi
# Which code is measured, for the figures quoted from this run.
measured_code() {
  local rev
  rev=$(git rev-parse --short HEAD 2>/dev/null) || { echo "demarcate (not a git checkout)"; return 0; }
  if git diff --quiet HEAD 2>/dev/null; then echo "demarcate at $rev"; else echo "demarcate at $rev, with uncommitted changes"; fi
}
measured_code

# Creating files is slow on this VM's ext4 for minutes after a large deletion. Without a journal,
# ext4 will not reuse an inode freed less than 60 s ago, or 360 s ago while its inode-table block
# is dirty (RECENTCY_MIN and RECENTCY_DIRTY in fs/ext4/ialloc.c), and it tests every candidate
# with a buffer-cache lookup; a build that allocates in those blocks dirties them again. 10,000
# folders with a file each took 8.7 s 5 s after deleting 40,000 inodes, 5.2 s after 30 s and
# 1.3 s after 200 s; a 100,000-playbook build 145 s after a deletion spent a quarter of its
# samples in that scan (recently_deleted, find_get_block_common), one 15 minutes later none.
# Each invocation deletes its outputs when it ends and notes the time; the next one waits out the
# rest of that window (QUIET_AFTER_DELETE seconds) before it builds anything.
QUIET_AFTER_DELETE=${QUIET_AFTER_DELETE:-370}
# Deletes outputs and notes when, for the next invocation's wait.
remove_outputs() { rm -rf "$@"; date +%s > "$WORK/.last-delete"; }
wait_after_delete() {
  [ -f "$WORK/.last-delete" ] || return 0
  local since=$(( $(date +%s) - $(cat "$WORK/.last-delete") ))
  if [ "$since" -lt "$QUIET_AFTER_DELETE" ]; then
    echo "waiting $((QUIET_AFTER_DELETE - since)) s: the last invocation deleted its outputs ${since} s ago" >&2
    sleep $((QUIET_AFTER_DELETE - since))
  fi
}
wait_after_delete

# Flushes, then waits until the disk holding $WORK has written and discarded nothing, with no
# request in flight, for 3 seconds (at most 3 minutes): the blocks of a deleted output tree are
# freed (and, on a file system mounted with `discard`, trimmed) after `rm` and `sync` return.
settle() {
  sync
  local dev last=-1 now
  dev=$(basename "$(df --output=source "$WORK" | tail -1)")
  for _ in $(seq 1 60); do
    now=$(awk -v d="$dev" '$3 == d {print $10, $12, $17}' /proc/diskstats)
    [ "$now" = "$last" ] && [ "$(echo "$now" | cut -d' ' -f2)" = 0 ] && return 0
    last=$now
    sleep 3
  done
}

# Drops the files under the given folders from the page cache once they are on disk. Run after
# every timed build, both builders' alike: on this VM, once about 10 GB of its 24 GB is page
# cache, the kernel takes three to four times as long to write the same output (a 10,000-
# playbook build: 1.5-1.6 s with 15-19 GB free, 3.8-4.1 s with 8-14 GB free, 5.4-6.1 s of it
# system time), so without this each run of an invocation was slower than the one before
# (runs 4 and 5 took 3.3-4.1 s where runs 1-3 took 1.6-2.4 s). A user's one build does not
# follow a dozen others; nor should a timed run.
forget() {
  sync
  python3 - "$@" <<'PY'
import os, sys
for top in sys.argv[1:]:
    for root, _, files in os.walk(top):
        for name in files:
            try:
                fd = os.open(os.path.join(root, name), os.O_RDONLY | os.O_NOFOLLOW)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
PY
}

# One untimed build of a corpus into a folder removed only at the end: right after a large
# deletion, ext4 allocates blocks slowly for a few runs (we measured 4.6, 4.0 then 2.9 s for the
# same build), whichever program writes next.
warm_up() {
  settle
  "$BIN" build "$1" -o "$WORK/warm-up-$(basename "$1")" --quiet --no-cache >/dev/null 2>&1 || true
  forget "$WORK/warm-up-$(basename "$1")"
}

# Reads a corpus once so every timed build finds it in the page cache: the repeated runs of a
# small corpus do anyway, and a large corpus read from the disk cost the 100,000-playbook build
# 3-12 s more in its reading stage.
read_corpus() {
  find -L "$1/content" -type f -print0 | xargs -0 cat >/dev/null
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# timed OUTFILE CMD... : runs CMD and appends "seconds peak_kb user_s system_s" to OUTFILE. A run that fails
# stops the harness with its output: the time of a failed build means nothing.
timed() {
  local out=$1 rc=0; shift
  /usr/bin/time -f '%e %M %U %S' -o "$out.one" "$@" >"$WORK/run.log" 2>&1 || rc=$?
  if [ "$rc" != 0 ]; then
    echo "failed (exit $rc): $*" >&2
    tail -20 "$WORK/run.log" >&2
    exit 1
  fi
  cat "$out.one" >> "$out"
}

if [ "$PAGES" = scale ]; then
  for n in 1000 10000 100000; do
    c="$WORK/corpus-$n"
    [ -d "$c" ] || python3 "$GEN" --pages "$n" --out "$c" >/dev/null
    [ "$n" != 10000 ] || warm_up "$c"
    read_corpus "$c"
    runs=$([ "$n" -ge 100000 ] && echo "${SCALE_BIG_RUNS:-1}" || echo 3)
    rm -f "$WORK/scale.times"
    for r in $(seq 1 "$runs"); do
      settle
      timed "$WORK/scale.times" "$BIN" build "$c" -o "$WORK/scale-$n-$r" --quiet --no-cache
      forget "$WORK/scale-$n-$r"
    done
    t=$(cut -d' ' -f1 "$WORK/scale.times" | median)
    m=$(cut -d' ' -f2 "$WORK/scale.times" | median)
    # The memory target is a ceiling: the highest run's peak is shown beside the median.
    mx=$(cut -d' ' -f2 "$WORK/scale.times" | sort -n | tail -1)
    printf '%7d playbooks   cold %7.2f s   peak %6d MB, highest %d MB   (%d run%s: %s s)\n' "$n" "$t" "$((m / 1024))" "$((mx / 1024))" \
      "$runs" "$([ "$runs" = 1 ] || echo s)" "$(cut -d' ' -f1 "$WORK/scale.times" | paste -sd, - | sed 's/,/, /g')"
    # The disk's floor: the same files written with nothing else to do (examples/write_floor.rs).
    settle
    floor_out=$("$FLOOR" "$WORK/scale-$n-1" "$WORK/floor-$n") || { echo "write_floor failed at $n playbooks" >&2; exit 1; }
    forget "$WORK/floor-$n"
    read -r files bytes floor <<< "$floor_out"
    printf '%7s   floor %7.2f s   (the same %d files, %d MB, written by a bare loop)\n' '' "$floor" "$files" "$((bytes / 1048576))"
    case $n in 10000) t_10k=$t f_10k=$floor ;; 100000) t_100k=$t f_100k=$floor ;; esac
  done
  awk -v a="$t_10k" -v b="$t_100k" -v fa="$f_10k" -v fb="$f_100k" \
    'BEGIN { printf "100,000 / 10,000: %.1fx (target: under 12x); the floor alone: %.1fx\n", b / a, (fa > 0 ? fb / fa : 0) }'
  remove_outputs "$WORK"/scale-* "$WORK"/floor-* "$WORK"/warm-up-*
  exit 0
fi
corpus="$WORK/corpus-$PAGES"
if [ ! -d "$corpus" ]; then
  python3 "$GEN" --pages "$PAGES" --out "$corpus" >/dev/null
fi

# time_cmd OUTFILE CMD... : one run once the disk is quiet (see `timed`)
time_cmd() {
  settle
  timed "$@"
}

echo "corpus: $PAGES playbooks ($(du -sh "$corpus/content" | cut -f1) of Markdown), $RUNS runs, $(nproc) cores"
rm -f "$WORK"/*.times
hcorpus="$WORK/hugo-$PAGES"
if command -v hugo >/dev/null 2>&1; then
  [ -d "$hcorpus" ] || python3 "$GEN" --pages "$PAGES" --out "$hcorpus" --flavor hugo >/dev/null
  read_corpus "$hcorpus"
else
  hcorpus=
  echo "hugo not installed: skipping the peer (apt-get install hugo)"
fi
warm_up "$corpus"
read_corpus "$corpus"
# The two builders alternate, run by run, so both meet the machine in the same state: on this
# VM the same build varies by half from one minute to the next.
for r in $(seq 1 "$RUNS"); do
  time_cmd "$WORK/cold.times" "$BIN" build "$corpus" -o "$WORK/out-$r" --quiet --no-cache
  # The first run's output stays in the cache: the warm builds below update it.
  [ "$r" = 1 ] || forget "$WORK/out-$r"
  if [ -n "$hcorpus" ]; then
    time_cmd "$WORK/hugo.times" hugo --source "$hcorpus" --destination "$WORK/hugo-out-$r" --quiet
    forget "$WORK/hugo-out-$r"
    read -r d_wall _ d_user d_sys < <(tail -1 "$WORK/cold.times")
    read -r h_wall _ h_user h_sys < <(tail -1 "$WORK/hugo.times")
    printf '  run %d: demarcate %6.2f s (CPU %.2f + %.2f s), hugo %6.2f s (CPU %.2f + %.2f s)\n' \
      "$r" "$d_wall" "$d_user" "$d_sys" "$h_wall" "$h_user" "$h_sys"
  fi
done
cold=$(cut -d' ' -f1 "$WORK/cold.times" | median)
cold_mem=$(cut -d' ' -f2 "$WORK/cold.times" | median)
cold_mem_max=$(cut -d' ' -f2 "$WORK/cold.times" | sort -n | tail -1)
# CPU time (user + system, all threads): steadier than wall time on this VM, whose disk and
# memory make the same build's wall time vary by half from one minute to the next.
# User time is the program's own work; system time is mostly the kernel writing the output,
# which is what varies.
cpu_of() { awk '{printf "%.2f\n", $3 + $4}' "$1" | median; }
user_of() { cut -d' ' -f3 "$1" | median; }
sys_of() { cut -d' ' -f4 "$1" | median; }
cold_cpu=$(cpu_of "$WORK/cold.times") cold_user=$(user_of "$WORK/cold.times") cold_sys=$(sys_of "$WORK/cold.times")
printf 'demarcate cold build   median %6.2f s   peak %5d MB (highest %d MB)   CPU %6.2f s (user %.2f, system %.2f)\n' \
  "$cold" "$((cold_mem / 1024))" "$((cold_mem_max / 1024))" "$cold_cpu" "$cold_user" "$cold_sys"
if [ -n "$hcorpus" ]; then
  hugo_t=$(cut -d' ' -f1 "$WORK/hugo.times" | median)
  hugo_mem=$(cut -d' ' -f2 "$WORK/hugo.times" | median)
  hugo_cpu=$(cpu_of "$WORK/hugo.times") hugo_user=$(user_of "$WORK/hugo.times") hugo_sys=$(sys_of "$WORK/hugo.times")
  printf 'hugo cold build        median %6.2f s   peak %5d MB   CPU %6.2f s (user %.2f, system %.2f)\n' \
    "$hugo_t" "$((hugo_mem / 1024))" "$hugo_cpu" "$hugo_user" "$hugo_sys"
  ratio() { echo "$1 / $2" | bc -l; }
  printf '  demarcate is %.1fx faster; %.1fx less CPU: %.1fx less user time, %.1fx less system time\n' \
    "$(ratio "$hugo_t" "$cold")" "$(ratio "$hugo_cpu" "$cold_cpu")" "$(ratio "$hugo_user" "$cold_user")" "$(ratio "$hugo_sys" "$cold_sys")"
fi

# Warm rebuilds: the cold build into out-1 left a cache; edit one playbook, build again.
python3 - "$BIN" "$corpus" "$WORK/out-1" "$RUNS" <<'PY'
import os, statistics, subprocess, sys, time
binary, corpus, out, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
pages = []
for root, _, files in os.walk(os.path.join(corpus, "content")):
    pages += [os.path.join(root, f) for f in files if f.endswith(".md") and f != "_index.md"]
pages.sort()
page = pages[len(pages) // 2]
original = open(page).read()
def build(expect="render + write (warm)"):
    t = time.perf_counter()
    # Stage timings (stderr) show whether the build was warm; --quiet keeps the 833 warnings
    # of the corpus from being rendered into the time.
    env = dict(os.environ, DEMARCATE_TIMINGS="1")
    r = subprocess.run([binary, "build", corpus, "-o", out, "--quiet"], capture_output=True, text=True, env=env)
    took = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit("warm build failed: " + r.stderr[-2000:])
    if expect not in r.stderr:
        sys.exit(f"expected `{expect}` in the stage timings of the build")
    return took
time.sleep(1.2)  # let the cold build's stamps age past the racy window
build()
noop = [build() for _ in range(runs)]
body = []
for i in range(runs):
    open(page, "w").write(original + f"\nBody edit {i}.\n")
    body.append(build())
owner = []
for i in range(runs):
    # Coverage is part of the ownership rows: owner, workstream and matrix pages change.
    swap = ("coverage: business-hours", "coverage: extended-hours")
    if swap[0] not in original:
        swap = swap[::-1]
    text = original.replace(*swap, 1) if i % 2 == 0 else original
    open(page, "w").write(text + f"\n<!-- {i} -->\n")
    owner.append(build())
open(page, "w").write(original)
build()
# A playbook added next to the edited one, then deleted again: every list it is in moves a row
# and shows another total.
added, deleted = [], []
new_page = os.path.join(os.path.dirname(page), "zz-bench-added.md")
try:
    for i in range(runs):
        time.sleep(1.2)
        build()
        open(new_page, "w").write(original.replace("\ntitle: ", f"\ntitle: Added {i} ", 1))
        added.append(build())
        time.sleep(1.2)
        build()
        os.remove(new_page)
        deleted.append(build())
finally:
    if os.path.exists(new_page):
        os.remove(new_page)
# A tenth of the playbooks retitled at once (the most a warm build replays; a pull of many
# edits): every list showing them is re-rendered.
tenth = pages[: len(pages) // 10]
texts = {p: open(p).read() for p in tenth}
many = []
for i in range(runs):
    # Files written just before a build are re-read by the next one (their stamps were not yet
    # trusted): an untimed build first, so the timed one replays exactly this tenth.
    time.sleep(1.2)
    build()
    for p, t in texts.items():
        open(p, "w").write(t.replace("\ntitle: ", f"\ntitle: Retitled {i} ", 1))
    many.append(build())
for p, t in texts.items():
    open(p, "w").write(t)
time.sleep(1.2)
build()
# An owner renamed in the config: the cache cannot serve it (every view naming the owner may
# change), but most files come out as they are, so the full build updates the folder in place.
config = os.path.join(corpus, "demarcate.yaml")
config_text = open(config).read()
name_line = next(l for l in config_text[config_text.index("\nowners:"):].splitlines() if l.strip().startswith("name:"))
renamed = []
try:
    for i in range(runs):
        open(config, "w").write(config_text.replace(name_line, name_line.rstrip('"') + f' {i}"', 1))
        renamed.append(build("probe: in place"))
finally:
    open(config, "w").write(config_text)
build("probe: in place")
print(f"warm build, no change         median {statistics.median(noop):6.2f} s")
print(f"warm build, body edit         median {statistics.median(body):6.2f} s")
print(f"warm build, ownership edit    median {statistics.median(owner):6.2f} s")
print(f"warm build, playbook added    median {statistics.median(added):6.2f} s")
print(f"warm build, playbook deleted  median {statistics.median(deleted):6.2f} s")
print(f"{f'warm build, {len(tenth)} retitled':<30}median {statistics.median(many):6.2f} s")
print(f"config edit, full build in place  median {statistics.median(renamed):6.2f} s")
PY

# Serve: save-to-reload latency, measured from the file write to the SSE reload event.
python3 - "$BIN" "$corpus" "$RUNS" <<'PY'
import os, socket, statistics, subprocess, sys, time
binary, corpus, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
proc = subprocess.Popen([binary, "serve", corpus, "--port", str(port)], stderr=subprocess.PIPE, text=True)
page, original = None, None
config_file = os.path.join(corpus, "demarcate.yaml")
config = open(config_file).read()
try:
    t0 = time.time()
    for line in proc.stderr:
        if "Serving" in line:
            break
    else:
        sys.exit("serve stopped before it was ready")
    print(f"serve startup (first build)      {time.time() - t0:6.2f} s")
    # Keep reading what serve prints (each rebuild's line, the errors below), so it never
    # blocks on a full pipe.
    import threading
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
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
    def save_atomically(text):
        # What many editors do: write a temporary file beside the page, rename it over the page.
        temp = page + ".tmp-save"
        with open(temp, "w") as f: f.write(text)
        os.replace(temp, page)
    body, owner, atomic = [], [], []
    for i in range(runs * 2):
        body.append(wait_reload(lambda: open(page, "w").write(original + f"\nBody edit {i}.\n")))
    for i in range(runs * 2):
        atomic.append(wait_reload(lambda: save_atomically(original + f"\nAtomic edit {i}.\n")))
    for i in range(runs):
        text = original.replace("coverage: business-hours", "coverage: extended-hours", 1) if i % 2 == 0 else original
        owner.append(wait_reload(lambda: open(page, "w").write(text + f"\n<!-- {i} -->\n")))
    open(page, "w").write(original)
    # Rebuilds that render the views on demand: each reload waits for the model (and a sample
    # of views), the rest follow in the background; a pause before each change lets them finish,
    # as a person editing would.
    def after_pause(edit):
        time.sleep(2)
        return wait_reload(edit)
    added, deleted = [], []
    new_page = os.path.join(os.path.dirname(page), "zz-bench-new.md")
    for i in range(runs):
        added.append(after_pause(lambda: open(new_page, "w").write(original.replace("\ntitle: ", "\ntitle: New ", 1))))
        deleted.append(after_pause(lambda: os.remove(new_page)))
    template = os.path.join(corpus, "templates", "page.html")
    theme_page = open(os.path.join(os.path.dirname(os.path.abspath(binary)), "..", "..", "themes", "default", "templates", "page.html")).read()
    os.makedirs(os.path.dirname(template), exist_ok=True)
    after_pause(lambda: open(template, "w").write(theme_page))
    templates = [after_pause(lambda: open(template, "w").write(theme_page + f"{{# edit {i} #}}\n")) for i in range(runs)]
    after_pause(lambda: os.remove(template))
    configs = [after_pause(lambda: open(config_file, "w").write(config + f"# edit {i}\n")) for i in range(runs)]
    # A typo in a playbook's front-matter (an unclosed quote), then the save that fixes it.
    broken_text = original.replace("\ntitle: ", "\ntitle: \"", 1)
    broke, fixed = [], []
    for i in range(runs):
        broke.append(after_pause(lambda: open(page, "w").write(broken_text)))
        fixed.append(after_pause(lambda: open(page, "w").write(original)))
    # The same in the config: it stops loading (no model can be made), then loads again.
    broken_config = config.replace("title: ", "title: \"", 1)
    config_broke, config_fixed = [], []
    for i in range(runs):
        config_broke.append(after_pause(lambda: open(config_file, "w").write(broken_config)))
        config_fixed.append(after_pause(lambda: open(config_file, "w").write(config)))
    print(f"serve body edit → reload       median {statistics.median(body):7.1f} ms")
    print(f"serve front-matter edit → reload median {statistics.median(owner):7.1f} ms")
    print(f"serve body edit saved by rename → reload median {statistics.median(atomic):7.1f} ms")
    print(f"serve playbook added → reload  median {statistics.median(added):7.1f} ms")
    print(f"serve playbook deleted → reload median {statistics.median(deleted):7.1f} ms")
    print(f"serve template edit (page.html overridden) → reload median {statistics.median(templates):7.1f} ms")
    print(f"serve config edit → reload     median {statistics.median(configs):7.1f} ms")
    print(f"serve front-matter broken → reload median {statistics.median(broke):7.1f} ms")
    print(f"serve front-matter fixed → reload median {statistics.median(fixed):7.1f} ms")
    print(f"serve config broken → reload   median {statistics.median(config_broke):7.1f} ms")
    print(f"serve config fixed → reload    median {statistics.median(config_fixed):7.1f} ms")
finally:
    proc.kill()
    # Leave the corpus as generated, whatever failed.
    open(config_file, "w").write(config)
    if original is not None:
        open(page, "w").write(original)
    for leftover in [os.path.join(corpus, "templates"), os.path.join(os.path.dirname(page or corpus), "zz-bench-new.md")]:
        if os.path.isdir(leftover):
            import shutil; shutil.rmtree(leftover)
        elif os.path.exists(leftover):
            os.remove(leftover)
PY

# Outputs are removed only now: deleting big trees between timed runs slows the next run.
remove_outputs "$WORK"/out-* "$WORK"/hugo-out-* "$WORK"/warm-up-*
