#!/usr/bin/env bash
# The CPU-scale reproduction on a 2-core machine: two lanes side by side, one OpenMP thread each
# (1.4x the images per second of one run on two threads). Figures share identical runs through --share-runs
# (Fig. 7's end-to-end, sequential and simultaneous LSP runs are Fig. 4's; the noise ablation's sigma 0.25 run is
# Fig. 4's simultaneous CbE run; Fig. 6's LSP / CbE+GSP / random-init runs come from Fig. 4 and the noise ablation).
# Experiment folders go to runs/cpu/<figure>; results/cpu/ keeps what is committed (scripts/reproduce/collect.sh).
#   scripts/reproduce/cpu.sh [lane-a|lane-b|lane-c|lane-d|lane-e|lane-f|appendix]
#   (default: both = lanes a and b; appendix = lanes d and e; in the background, logs in runs/cpu/*.log)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=runs/cpu
mkdir -p "$out"
cli=(node dist/lib/cli/main.js reproduce)
# Every figure's folder, for --share-runs: the figures `reproduce --list` names (its lines that are not indented start
# with one). Only the lanes need it, and they run after the build.
share_dirs() {
  local figures
  figures=$("${cli[@]}" --list --scale cpu | awk '/^[^ ]/ { print $1 }')
  [ -n "$figures" ] || { echo "cpu.sh: reproduce --list named no figures" >&2; return 1; }
  printf "$out/%s\n" $figures | paste -sd, -
}
case "${1:-both}" in lane-*) all=$(share_dirs) ;; esac
export OMP_NUM_THREADS=1

lane_a() {
  "${cli[@]}" fig4 --scale cpu --seeds 0,1,2 --out "$out/fig4" --share-runs "$all"
  "${cli[@]}" fig6 --scale cpu --seeds 0,1,2 --out "$out/fig6" --share-runs "$all"
}
lane_b() {
  "${cli[@]}" fig16 --scale cpu --out "$out/fig16"
  "${cli[@]}" noise --scale cpu --seeds 0,1,2 --out "$out/noise" --share-runs "$all"
  "${cli[@]}" fig7 --scale cpu --seeds 0,1,2 --out "$out/fig7" --share-runs "$all"
  lane_c
}
# One seed each; Fig. 8 and Fig. 14 train almost nothing (their runs are Fig. 4's and the noise ablation's).
lane_c() {
  "${cli[@]}" fig8 --scale cpu --out "$out/fig8" --share-runs "$all"
  "${cli[@]}" fig14 --scale cpu --out "$out/fig14" --share-runs "$all"
  "${cli[@]}" fig5 --scale cpu --out "$out/fig5" --share-runs "$all"
}
# The appendix figures (session 3), 3 seeds each, again as two one-thread lanes.
lane_d() {
  "${cli[@]}" fig12 --scale cpu --seeds 0,1,2 --out "$out/fig12" --share-runs "$all"
  "${cli[@]}" fig10 --scale cpu --seeds 0,1,2 --out "$out/fig10" --share-runs "$all"
}
lane_e() {
  "${cli[@]}" fig13 --scale cpu --seeds 0,1,2 --out "$out/fig13" --share-runs "$all"
  "${cli[@]}" fig9 --scale cpu --seeds 0,1,2 --out "$out/fig9" --share-runs "$all"
  "${cli[@]}" fig11 --scale cpu --seeds 0,1,2 --out "$out/fig11" --share-runs "$all"
}
# Three seeds for the figures first run with one (session 3; Fig. 5 stays at one seed: its 2 x 4 more runs did not fit in the
# session): a one-seed folder moves to runs/cpu-1seed/<figure> and its
# runs are copied back as seed 0 by --share-runs; Fig. 8's and Fig. 14's other seeds are Fig. 4's and the noise ablation's.
lane_f() {
  local one="runs/cpu-1seed" fig
  mkdir -p "$one"
  for fig in fig8 fig14 fig16; do
    if [ -f "$out/$fig/preset.json" ] && [ ! -d "$one/$fig" ] && ! compgen -G "$out/$fig/*/seed-0" >/dev/null; then mv "$out/$fig" "$one/$fig"; fi
    "${cli[@]}" "$fig" --scale cpu --seeds 0,1,2 --out "$out/$fig" --share-runs "$all,$one/$fig"
  done
}

case "${1:-both}" in
  lane-a) lane_a ;;
  lane-b) lane_b ;;
  lane-c) lane_c ;;
  lane-d) lane_d ;;
  lane-e) lane_e ;;
  lane-f) lane_f ;;
  appendix)
    npm run build >/dev/null
    nohup "$0" lane-d >"$out/lane-d.log" 2>&1 &
    nohup "$0" lane-e >"$out/lane-e.log" 2>&1 &
    echo "lanes started: tail -f $out/lane-d.log $out/lane-e.log"
    ;;
  both)
    npm run build >/dev/null
    nohup "$0" lane-a >"$out/lane-a.log" 2>&1 &
    nohup "$0" lane-b >"$out/lane-b.log" 2>&1 &
    echo "lanes started: tail -f $out/lane-a.log $out/lane-b.log"
    ;;
  *) echo "usage: $0 [lane-a|lane-b|lane-c|lane-d|lane-e|lane-f|both|appendix]" >&2; exit 2 ;;
esac
