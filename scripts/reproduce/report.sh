#!/usr/bin/env bash
# Rewrites a generated part of RESULTS.md (between its `<!-- MARK:begin -->` and `<!-- MARK:end -->` lines) from the
# committed results (rewriteReportSection in lib/experiments/results-report.ts; needs `npm run build`):
#   scripts/reproduce/report.sh [RESULTS_ROOT [RESULTS.md [MARK]]]
#     the claims table (head and GSP features, linear probe; the claims whose figures have results), every figure's
#     accuracy per block (mean +- std over seeds) and block 4 against epochs where epochs.csv exists. Default:
#     results/cpu RESULTS.md report; the long CIFAR-10 runs: results/cifar10-long RESULTS.md report-cifar10-long.
#   scripts/reproduce/report.sh --robustness [FIG15_DIR [RESULTS.md [MARK]]]
#     a Fig. 15 folder: the robustness claim row and the error per corruption of every run. Default:
#     results/cifar10-long/fig15 RESULTS.md report-fig15-cifar10-long.
# See checkClaims in lib/experiments/claims.ts for how a verdict is reached.
set -euo pipefail
cd "$(dirname "$0")/../.."
kind=results
if [ "${1:-}" = --robustness ]; then kind=robustness; shift; fi
if [ $kind = results ]; then
  source=${1:-results/cpu}; doc=${2:-RESULTS.md}; mark=${3:-report}
else
  source=${1:-results/cifar10-long/fig15}; doc=${2:-RESULTS.md}; mark=${3:-report-fig15-cifar10-long}
fi
lib=$PWD/dist/lib/experiments/results-report.js
[ -f "$lib" ] || { echo "report.sh: $lib is missing; run npm run build first" >&2; exit 1; }
node -e '
  const { rewriteReportSection } = require(process.argv[1]);
  const [kind, source, doc, mark] = process.argv.slice(2);
  try {
    console.log(rewriteReportSection(doc, mark, kind, source));
  } catch (e) {
    console.error(`report.sh: ${e.message}`);
    process.exit(1);
  }
' "$lib" "$kind" "$source" "$doc" "$mark"
