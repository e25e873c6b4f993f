#!/usr/bin/env bash
# Fig. 4 at the cifar10-long scale (CIFAR-10, 20 epochs per run, 3 seeds) as two one-thread background lanes that
# span sessions. The lanes train from their own git worktree at a fixed commit, outside this checkout, so work can go
# on here; their run folders (with every epoch's checkpoint) stay there, and completed runs are skipped when a lane
# is started again. `collect` copies the summaries of what has finished (no checkpoints) into this checkout's
# results/cifar10-long/fig4/, ready to commit.
#
#   scripts/reproduce/cifar10-long.sh start [COMMIT]   worktree at COMMIT (default HEAD; an existing worktree keeps
#                                                      its commit), npm ci + build there, both lanes in the background
#   scripts/reproduce/cifar10-long.sh status           what each lane is doing, runs completed
#   scripts/reproduce/cifar10-long.sh probe            this checkout probes the lanes' completed runs at the preset's
#                                                      probe epochs (reproduce --probe-epochs) into each lane's epochs.csv
#   scripts/reproduce/cifar10-long.sh collect          summaries of both lanes -> results/cifar10-long/fig4/
#
# BLOCKWISE_LANES (default: ../blockwise-lanes beside this checkout) is where the worktree and the run folders live.
# BLOCKWISE_LANES_NICE (default 5) is the lanes' nice value, so that work in the checkout stays responsive.
# The lanes split Fig. 4's runs so that their steps cost about the same (see cifar10LongSettings in
# lib/experiments/scales.ts for the measured step times); each lane trains seed 0 of its runs first, then 1, then 2.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
lanes=${BLOCKWISE_LANES:-$(dirname "$repo")/blockwise-lanes}
tree=$lanes/tree
runs=$lanes/runs
lane_a=simultaneous-cbe-noise,sequential-lsp,random-feature-b2
lane_b=end-to-end,simultaneous-lsp,supervised-lsp,random-feature-b3,random-feature-b4,random-init
# BLOCKWISE_LANES_SCALE=smoke dry-runs the whole cycle in seconds (results then go to results/smoke-lanes/fig4).
scale=${BLOCKWISE_LANES_SCALE:-cifar10-long}
results=results/cifar10-long
[ "$scale" = cifar10-long ] || results=results/$scale-lanes
reproduce=(node dist/lib/cli/main.js reproduce fig4 --scale "$scale" --seeds 0,1,2)

start() {
  local commit=${1:-HEAD}
  mkdir -p "$lanes" "$runs"
  # The worktree looks for the CIFAR-10 tarball in ../shared, as a checkout does: point it at this checkout's.
  if [ -d "$repo/../shared" ] && [ ! -e "$lanes/shared" ]; then ln -s "$(cd "$repo/../shared" && pwd)" "$lanes/shared"; fi
  if [ ! -d "$tree" ]; then
    git worktree add --detach "$tree" "$commit"
  fi
  echo "lanes train at $(git -C "$tree" rev-parse --short HEAD) in $tree"
  # Installed and built once: a lane that still runs must not see its modules or native addon replaced under it.
  if [ ! -f "$tree/dist/lib/cli/main.js" ]; then
    (cd "$tree" && npm ci --no-audit --no-fund >/dev/null && npm run build >/dev/null)
  fi
  for lane in a b; do
    local pidfile=$runs/lane-$lane.pid
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "lane $lane is already running (pid $(cat "$pidfile"))"
      continue
    fi
    local list=$lane_a
    [ "$lane" = b ] && list=$lane_b
    # exec all the way down, so the pid recorded is the lane's node process; no descriptor of this script is kept
    # open by the lane (a caller reading this script's output returns at once).
    (cd "$tree" && OMP_NUM_THREADS=1 exec nohup nice -n "${BLOCKWISE_LANES_NICE:-5}" "${reproduce[@]}" --runs "$list" \
      --out "$runs/fig4-lane-$lane") >>"$runs/lane-$lane.log" 2>&1 </dev/null &
    echo $! >"$pidfile"
    echo "lane $lane started (pid $(cat "$pidfile")): $list; log $runs/lane-$lane.log"
  done
}

status() {
  for lane in a b; do
    local pidfile=$runs/lane-$lane.pid state=stopped
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then state="running (pid $(cat "$pidfile"))"; fi
    local done=0
    [ -d "$runs/fig4-lane-$lane" ] && done=$(grep -l '"state": "completed"' "$runs/fig4-lane-$lane"/*/seed-*/status.json 2>/dev/null | wc -l || true)
    echo "lane $lane: $state, $done run(s) completed"
    [ -f "$runs/lane-$lane.log" ] && tail -c 300 "$runs/lane-$lane.log" | tr '\r' '\n' | tail -2
  done
}

probe() {
  [ -f dist/lib/cli/main.js ] || { echo "cifar10-long.sh: run npm run build first" >&2; exit 1; }
  for lane in a b; do
    local list=$lane_a
    [ "$lane" = b ] && list=$lane_b
    [ -d "$runs/fig4-lane-$lane" ] || continue
    OMP_NUM_THREADS=1 "${reproduce[@]}" --runs "$list" --probe-epochs --out "$runs/fig4-lane-$lane"
  done
}

collect() {
  [ -f dist/lib/experiments/collect-experiment.js ] || { echo "cifar10-long.sh: run npm run build first" >&2; exit 1; }
  local dest=$results/fig4
  mkdir -p "$results"
  tmp=$(mktemp -d "$results/.fig4-collect.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  node -e '
    const fs = require("fs"), path = require("path");
    const { collectExperiment } = require(path.resolve("dist/lib/experiments/collect-experiment.js"));
    const [tmp, ...lanes] = process.argv.slice(1);
    const merged = path.join(tmp, "fig4");
    fs.mkdirSync(merged);
    let header = null, epochHeader = null;
    const rows = [], epochRows = [];
    for (const lane of lanes) {
      if (!fs.existsSync(path.join(lane, "results.csv"))) { console.log(`${lane}: no finished run yet`); continue; }
      const out = path.join(tmp, path.basename(lane));
      const c = collectExperiment(lane, out);
      console.log(`${lane}: ${c.runs.filter((r) => r.state === "completed").length} completed run(s) of ${c.runs.length} started`);
      for (const e of fs.readdirSync(out, { withFileTypes: true })) {
        if (e.isDirectory()) fs.renameSync(path.join(out, e.name), path.join(merged, e.name));
      }
      const lines = fs.readFileSync(path.join(out, "results.csv"), "utf8").split("\n").filter((l) => l.length > 0);
      if (header !== null && lines[0] !== header) throw new Error(`${lane}: results.csv columns differ from the other lane`);
      header = lines[0];
      rows.push(...lines.slice(1));
      const epochs = path.join(out, "epochs.csv");
      if (fs.existsSync(epochs)) {
        const e = fs.readFileSync(epochs, "utf8").split("\n").filter((l) => l.length > 0);
        if (epochHeader !== null && e[0] !== epochHeader) throw new Error(`${lane}: epochs.csv columns differ from the other lane`);
        epochHeader = e[0];
        epochRows.push(...e.slice(1));
      }
    }
    if (header === null) process.exit(3);
    fs.writeFileSync(path.join(merged, "results.csv"), [header, ...rows].join("\n") + "\n");
    if (epochHeader !== null) fs.writeFileSync(path.join(merged, "epochs.csv"), [epochHeader, ...epochRows].join("\n") + "\n");
  ' "$tmp" "$runs/fig4-lane-a" "$runs/fig4-lane-b" || { echo "nothing to collect yet"; return 0; }
  # The preset as the lanes' own commit resolves it (this checkout's may have moved on).
  (cd "$tree" && "${reproduce[@]}" --show) >"$tmp/fig4/preset.json"
  # Replace the committed folder only once the new one is complete.
  if [ -d "$dest" ]; then mv "$dest" "$tmp/old"; fi
  mv "$tmp/fig4" "$dest"
  echo "collected into $dest (git add $dest && git commit)"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  status) status ;;
  probe) probe ;;
  collect) collect ;;
  *) echo "usage: $0 start [COMMIT] | status | probe | collect" >&2; exit 2 ;;
esac
