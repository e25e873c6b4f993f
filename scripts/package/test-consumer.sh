#!/usr/bin/env bash
# The package as a user gets it: packs this repository, installs the .tgz into a new folder (the README's "Your own
# notebook" steps), checks that the install built the native addon there when this machine can build it, and
# executes a user-style notebook in that folder with the repository's kernel (scripts/notebooks/run-notebooks.py).
#   scripts/package/test-consumer.sh [--keep]     (--keep: leave the temporary folder for inspection)
# Needs a built dist/ (npm run build; CI has it from npm test) and what the notebook runner needs (README, Tests).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
keep=0
[ "${1:-}" = --keep ] && keep=1

[ -f dist/lib/index.js ] || { echo "test-consumer: dist/lib is missing; run 'npm run build' first" >&2; exit 2; }
tmp=$(mktemp -d -t blockwise-consumer-XXXXXX)
if [ "$keep" = 1 ]; then echo "test-consumer: keeping $tmp"; else trap 'rm -rf "$tmp"' EXIT; fi

# dist/ is built already: --ignore-scripts skips `prepare` (tsc again).
tgz=$(npm pack --ignore-scripts --silent --pack-destination "$tmp" | tail -n 1)
echo "test-consumer: packed $tgz"
mkdir "$tmp/my-study"
cd "$tmp/my-study"
npm init -y >/dev/null
npm install --prefer-offline --no-audit --no-fund "$tmp/$tgz"

# The install script (native/build.js) ran in node_modules/blockwise-ssl: where it built here, it must build there.
if [ -f "$repo/native/build/blockwise_native.node" ]; then
  [ -f node_modules/blockwise-ssl/native/build/blockwise_native.node ] ||
    { echo "test-consumer: the installed package has no native addon although the repository built one" >&2; exit 1; }
  expected=native
else
  expected=
fi

cat > study.ipynb <<'NB'
{
 "cells": [
  {"cell_type": "code", "execution_count": null, "id": "c0", "metadata": {}, "outputs": [], "source": [
   "import { initBackend, describeBackend, tf, barFigure, display, displayTable } from 'blockwise-ssl';\n",
   "const report = await initBackend();\n",
   "console.log(describeBackend(report));\n",
   "const expected: string = process.env.EXPECT_BACKEND ?? '';\n",
   "if (expected !== '' && report.backend !== expected) throw new Error(`backend ${report.backend}, expected ${expected}`);"
  ]},
  {"cell_type": "code", "execution_count": null, "id": "c1", "metadata": {}, "outputs": [], "source": [
   "const total = tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])).arraySync() as number);\n",
   "if (total !== 6) throw new Error(`sum ${total}`);\n",
   "displayTable([{ block: 1, top1: 0.5 }]);\n",
   "await display(barFigure(['block 1', 'block 2'], [{ name: 'top-1', values: [0.5, 0.6] }], { title: 'my study' }));"
  ]}
 ],
 "metadata": {
  "blockwise_ssl": {"figures": ["my study"]},
  "kernelspec": {"display_name": "TypeScript (blockwise-ssl)", "language": "typescript", "name": "blockwise-ssl"}
 },
 "nbformat": 4,
 "nbformat_minor": 5
}
NB
# No PNG fallback: its packages (playwright-core, plotly.js-dist-min) are the user's choice; the repository's notebooks test it.
EXPECT_BACKEND=$expected BLOCKWISE_PLOT_PNG=0 /usr/bin/python3 "$repo/scripts/notebooks/run-notebooks.py" study.ipynb --out "$tmp/out"
grep -q '"text/markdown"' "$tmp/out/study.ipynb" || { echo "test-consumer: the table was not displayed" >&2; exit 1; }
echo "test-consumer: ok (installed from $tgz into a new folder; its notebook ran with the repository's kernel)"
