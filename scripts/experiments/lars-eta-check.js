#!/usr/bin/env node
// Does the cifar10-long recipe (the paper's ImageNet LARS: base lr 0.2 x batch/256, trust coefficient eta 0.001) move
// the weights enough in a short small-batch run? Trains the cifar10-long Fig. 4 end-to-end run for EPOCHS epochs with
// the preset's optimizer and with each ETA given, same seed and schedule, and prints block-4 probe accuracy beside the
// untrained network's. Usage (after npm run build):
//   OMP_NUM_THREADS=1 node scripts/experiments/lars-eta-check.js OUT_DIR [EPOCHS=3] [ETA,ETA...=0.02]
// The package's public API by name (this checkout's own package.json "exports": the built dist/).
const { preset, runExperiment, withRunOverrides, initBackend } = require('blockwise-ssl');

async function main() {
  const [out, epochsArg = '3', etasArg = '0.02'] = process.argv.slice(2);
  if (!out) throw new Error('usage: lars-eta-check.js OUT_DIR [EPOCHS] [ETA,ETA...]');
  const epochs = Number(epochsArg);
  const base = preset('fig4', 'cifar10-long');
  const e2e = base.runs.find((r) => r.label === 'end-to-end');
  const init = base.runs.find((r) => r.label === 'random-init');
  const variants = [{ label: `eta-${e2e.config.optimizer.eta}`, eta: e2e.config.optimizer.eta }, ...etasArg.split(',').map((e) => ({ label: `eta-${e}`, eta: Number(e) }))];
  const runs = [
    ...variants.map((v) => ({ ...e2e, label: v.label, probeEpochs: undefined, config: { ...e2e.config, optimizer: { ...e2e.config.optimizer, eta: v.eta } } })),
    { ...init, probeEpochs: undefined },
  ];
  const p = withRunOverrides({ ...base, runs, seeds: [0] }, { data: { epochs } }, variants.map((v) => v.label));
  await initBackend();
  const summary = await runExperiment(p, { outDir: out, onEvent: (e) => e.type === 'run-end' && console.error(`${e.label}: ${e.status} at ${e.steps}`) });
  for (const r of summary.results.filter((r) => r.block === 4 && r.probe === 'linear')) console.log(`${r.run} block 4 ${r.features} linear top-1 ${(100 * r.top1).toFixed(2)}%`);
}
main().catch((e) => { console.error(e); process.exit(1); });
