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
#   scripts/reproduce/cifar10-long.sh more-seeds S,S   one more lane: seeds S,S (two or more, none of 0-2) of the main
#                                                      claim's runs (end-to-end, simultaneous CbE + noise) from the same
#                                                      worktree, into runs/fig4-seeds-S-S
#   scripts/reproduce/cifar10-long.sh figure FIG S,S   one more lane: every run of figure FIG (e.g. fig6, noise) at seeds
#                                                      S,S from the same worktree, into runs/FIG-seeds-S-S; a run with
#                                                      the config and seed of one another lane has completed (the lane
#                                                      folders there when it starts) is copied (reproduce --share-runs),
#                                                      not trained again
#   scripts/reproduce/cifar10-long.sh collect          summaries of every lane -> results/cifar10-long/<figure>/
#                                                      (Fig. 4: lanes a, b and more-seeds merged into one folder)
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
# BLOCKWISE_LANES_RESULTS: where collect writes <figure>/ instead (the script's test collects outside the checkout).
results=${BLOCKWISE_LANES_RESULTS:-$results}
reproduce=(node dist/lib/cli/main.js reproduce fig4 --scale "$scale" --seeds 0,1,2)
# The main claim's runs (simultaneous CbE + noise near end-to-end), which more-seeds trains beyond the preset's 3 seeds.
main_claim=end-to-end,simultaneous-cbe-noise

# Every lane folder of figure $1 there is: for fig4 lanes a and b, then the more-seeds ones; for others their seed lanes.
lane_dirs() {
  local d
  for d in "$runs/$1-lane-a" "$runs/$1-lane-b" "$runs/$1"-seeds-*; do [ -d "$d" ] && echo "$d"; done
  return 0
}

# The figures that have lane folders.
lane_figures() {
  local d
  for d in "$runs"/*-lane-a "$runs"/*-lane-b "$runs"/*-seeds-*; do
    [ -d "$d" ] || continue
    d=${d##*/}; d=${d%-lane-a}; d=${d%-lane-b}; echo "${d%-seeds-*}"
  done | sort -u
}

# "FIG --runs R,R --seeds S,S" of a lane folder, from the preset.json its lane wrote.
lane_selection() {
  node -e '
    const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`${p.figure} --runs ${p.runs.map((r) => r.label).join(",")} --seeds ${p.seeds.join(",")}`);
  ' "$1/preset.json"
}

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
  local lanes=() d
  for d in a b; do [ -d "$runs/fig4-lane-$d" ] || [ -f "$runs/lane-$d.pid" ] && lanes+=("$d"); done
  for d in "$runs"/*-seeds-*; do [ -d "$d" ] && lanes+=("${d##*/}"); done
  [ ${#lanes[@]} -gt 0 ] || { echo "no lanes in $runs"; return 0; }
  for lane in "${lanes[@]}"; do
    local pidfile=$runs/lane-$lane.pid state=stopped folder=$runs/fig4-lane-$lane
    [ ${#lane} -gt 1 ] && folder=$runs/$lane
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then state="running (pid $(cat "$pidfile"))"; fi
    local done=0
    [ -d "$folder" ] && done=$(grep -l '"state": "completed"' "$folder"/*/seed-*/status.json 2>/dev/null | wc -l || true)
    echo "lane $lane: $state, $done run(s) completed"
    [ -f "$runs/lane-$lane.log" ] && tail -c 300 "$runs/lane-$lane.log" | tr '\r' '\n' | tail -2
  done
}

# seed_lane FIG SEEDS RUNS SHARE: a background lane training RUNS (all of FIG's when empty) of figure FIG at SEEDS into
# runs/FIG-seeds-S-S, from the lanes' worktree; SHARE=share copies runs Fig. 4's lanes have trained with the same config.
seed_lane() {
  local figure=$1 seeds=$2 selection=$3 share=$4
  if ! [[ "$seeds" =~ ^[0-9]+(,[0-9]+)+$ ]]; then
    echo "cifar10-long.sh: a seed lane takes two or more seeds, comma-separated (e.g. 3,5), not '$seeds'" >&2; exit 2
  fi
  local lane=$figure-seeds-${seeds//,/-}
  local s
  for s in ${seeds//,/ }; do
    if [ "$figure" = fig4 ] && [ "$s" -le 2 ]; then echo "cifar10-long.sh: seed $s is one of lanes a and b's seeds (0-2)" >&2; exit 2; fi
    # Another seed lane of this figure with this seed (its pid file is written as it starts, its folder only later).
    local other name
    for other in "$runs/$figure"-seeds-* "$runs/lane-$figure"-seeds-*.pid; do
      [ -e "$other" ] || continue
      name=${other##*/}; name=${name#lane-}; name=${name%.pid}
      if [[ "-${name#"$figure"-seeds-}-" == *"-$s-"* ]] && [ "$name" != "$lane" ]; then
        echo "cifar10-long.sh: seed $s is already trained by lane $name ($other)" >&2; exit 2
      fi
    done
  done
  [ -f "$tree/dist/lib/cli/main.js" ] || { echo "cifar10-long.sh: no built worktree at $tree; run start first" >&2; exit 1; }
  local pidfile=$runs/lane-$lane.pid
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "lane $lane is already running (pid $(cat "$pidfile"))"; return 0
  fi
  local args=(--scale "$scale" --seeds "$seeds" --out "$runs/$lane")
  [ -n "$selection" ] && args+=(--runs "$selection")
  if [ "$share" = share ]; then
    # Every other lane folder there is now, of any figure (Fig. 6's CbE + GSP is the noise ablation's no-noise run):
    # a run another lane has completed with the same config and seed is copied when this lane reaches it.
    local from f
    from=$(for f in $(lane_figures); do lane_dirs "$f"; done | { grep -vxF "$runs/$lane" || true; } | paste -sd, -)
    [ -n "$from" ] && args+=(--share-runs "$from")
  fi
  (cd "$tree" && OMP_NUM_THREADS=1 exec nohup nice -n "${BLOCKWISE_LANES_NICE:-5}" node dist/lib/cli/main.js reproduce "$figure" \
    "${args[@]}") >>"$runs/lane-$lane.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  echo "lane $lane started (pid $(cat "$pidfile")) at $(git -C "$tree" rev-parse --short HEAD): $figure ${selection:-all runs}, seeds $seeds; log $runs/lane-$lane.log"
}

probe() {
  [ -f dist/lib/cli/main.js ] || { echo "cifar10-long.sh: run npm run build first" >&2; exit 1; }
  local figure d
  for figure in $(lane_figures); do
    for d in $(lane_dirs "$figure"); do
      [ -f "$d/preset.json" ] || continue
      # shellcheck disable=SC2046
      OMP_NUM_THREADS=1 node dist/lib/cli/main.js reproduce $(lane_selection "$d") --scale "$scale" --probe-epochs --out "$d"
    done
  done
}

collect() {
  [ -f dist/lib/experiments/collect-experiment.js ] || { echo "cifar10-long.sh: run npm run build first" >&2; exit 1; }
  local figure
  for figure in $(lane_figures); do collect_figure "$figure"; done
}

# collect_figure FIG: the summaries of FIG's lanes merged into $results/FIG (replaced only once complete).
collect_figure() {
  local figure=$1
  local dest=$results/$figure
  mkdir -p "$results"
  tmp=$(mktemp -d "$results/.$figure-collect.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  node -e '
    const fs = require("fs"), path = require("path");
    const { collectExperiment } = require(path.resolve("dist/lib/experiments/collect-experiment.js"));
    const [tmp, ...lanes] = process.argv.slice(1);
    const seeds = new Set();
    const merged = path.join(tmp, "figure");
    fs.mkdirSync(merged);
    let header = null, epochHeader = null;
    const rows = [], epochRows = [];
    for (const lane of lanes) {
      if (!fs.existsSync(path.join(lane, "results.csv"))) { console.log(`${lane}: no finished run yet`); continue; }
      const out = path.join(tmp, path.basename(lane));
      const c = collectExperiment(lane, out);
      for (const s of JSON.parse(fs.readFileSync(path.join(lane, "preset.json"), "utf8")).seeds) seeds.add(s);
      console.log(`${lane}: ${c.runs.filter((r) => r.state === "completed").length} completed run(s) of ${c.runs.length} started`);
      for (const e of fs.readdirSync(out, { withFileTypes: true })) {
        if (!e.isDirectory()) continue;
        const into = path.join(merged, e.name);
        if (!fs.existsSync(into)) { fs.renameSync(path.join(out, e.name), into); continue; }
        // A run trained by two lanes (more-seeds): its seed folders go side by side; one seed in two lanes is an error.
        for (const s of fs.readdirSync(path.join(out, e.name))) {
          if (fs.existsSync(path.join(into, s))) throw new Error(`${lane}: ${e.name}/${s} was trained by another lane too`);
          fs.renameSync(path.join(out, e.name, s), path.join(into, s));
        }
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
    fs.writeFileSync(path.join(tmp, "seeds"), [...seeds].sort((a, b) => a - b).join(","));
    if (epochHeader !== null) fs.writeFileSync(path.join(merged, "epochs.csv"), [epochHeader, ...epochRows].join("\n") + "\n");
  ' "$tmp" $(lane_dirs "$figure") || {
    local rc=$?
    [ $rc -eq 3 ] && { echo "$figure: nothing to collect yet"; rm -rf "$tmp"; return 0; }
    echo "cifar10-long.sh: collect failed; $dest is left as it was" >&2; exit $rc
  }
  # The preset as the lanes' own commit resolves it (this checkout's may have moved on), with every lane's seeds: runs
  # that more-seeds did not train have no folder for seeds 3 and up (loadExperiment leaves them out).
  local seeds
  seeds=$(cat "$tmp/seeds")
  (cd "$tree" && node dist/lib/cli/main.js reproduce "$figure" --scale "$scale" --seeds "$seeds" --show) >"$tmp/figure/preset.json"
  # Replace the committed folder only once the new one is complete.
  if [ -d "$dest" ]; then mv "$dest" "$tmp/old"; fi
  mv "$tmp/figure" "$dest"
  rm -rf "$tmp"
  echo "collected into $dest (git add $dest && git commit)"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  status) status ;;
  probe) probe ;;
  more-seeds) seed_lane fig4 "${2:-}" "$main_claim" no ;;
  figure)
    case "${2:-}" in
      fig4 | "") echo "cifar10-long.sh: figure takes a figure other than fig4 (fig4: start, more-seeds), and seeds" >&2; exit 2 ;;
      *) seed_lane "$2" "${3:-}" "" share ;;
    esac ;;
  collect) collect ;;
  *) echo "usage: $0 start [COMMIT] | status | more-seeds S,S | figure FIG S,S | probe | collect" >&2; exit 2 ;;
esac
