#!/usr/bin/env node
// Our side of the view-statistics check (scripts/twin/view-stats.py): the training views of a run's recipe, made by
// the fused view path the training loop uses, for the first N exported training images, REPEATS times with seeds
// 100, 101, ...; written as float32 [2 * REPEATS, N, S, S, C] (view 1, view 2 of each repeat) to OUT.
//   node scripts/twin/view-stats.js DATA_DIR RUN OUT [N=4096] [REPEATS=4]     (after npm run build)
const fs = require('fs');
const path = require('path');
const { fusedTwoViews } = require(path.resolve(__dirname, '../../dist/lib/data/augmentations/fused-view.js'));
const { Rng } = require(path.resolve(__dirname, '../../dist/lib/nn/rng.js'));

const [dir, run, out, nArg = '4096', repeatsArg = '4'] = process.argv.slice(2);
if (!dir || !run || !out) {
  console.error('usage: node scripts/twin/view-stats.js DATA_DIR RUN OUT [N] [REPEATS]');
  process.exit(2);
}
const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
if (!meta.runs[run]) throw new Error(`view-stats: ${dir}/meta.json has no run '${run}' (runs: ${Object.keys(meta.runs).join(', ')})`);
const views = meta.runs[run].data.views;
const [H, W, C] = meta.imageShape;
const n = Number(nArg);
const pixels = fs.readFileSync(path.join(dir, 'train.u8'));
if (pixels.length < n * H * W * C) throw new Error(`view-stats: ${dir}/train.u8 holds fewer than ${n} images`);
const parts = [];
for (let r = 0; r < Number(repeatsArg); r++) {
  const [a, b] = fusedTwoViews(new Uint8Array(pixels.subarray(0, n * H * W * C)), [n, H, W, C], views, new Rng(100 + r));
  parts.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
fs.writeFileSync(`${out}.tmp`, Buffer.concat(parts));
fs.renameSync(`${out}.tmp`, out);
console.log(`view-stats: ${2 * Number(repeatsArg)} views of ${n} images (${views.view1.crop.size}x${views.view1.crop.size}) into ${out}`);
