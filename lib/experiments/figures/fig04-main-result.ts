import { ExperimentPreset, Scale } from '../preset';
import type { Claim, RunRef } from '../claims';
import { scaleSettings } from '../scales';
import { makePreset, randomInitRun, run, runConfig } from '../run-recipe';

/**
 * Fig. 4, the main result: linear-probe accuracy per block of end-to-end Barlow Twins against simultaneous
 * blockwise training (1x1 CbE + GSP with noise 0.25, the paper's recipe), simultaneous and sequential training with
 * LSP, supervised blockwise training, and the random-feature baseline (block k trained on top of k - 1 untrained,
 * frozen blocks; one run per k, probed at block k only).
 */
export function fig4(scale: Scale): ExperimentPreset {
  const s = scaleSettings(scale);
  // Accuracy against training time for the runs the paper compares (at the scales that keep the checkpoints).
  const epochs = s.probeEpochs ? { probeEpochs: s.probeEpochs } : {};
  const randomFeature = [1, 2, 3].map((k) =>
    run(
      `random-feature-b${k + 1}`,
      `block ${k + 1} trained on ${k} untrained frozen block${k > 1 ? 's' : ''} (eval-mode, initial batch-norm statistics)`,
      runConfig(s, { method: 'random-feature', trainBlocks: [k], noise: 0.25 }),
      { probeStages: [k] },
    ),
  );
  return makePreset(s, 'fig4', {
    title: 'Fig. 4: blockwise vs end-to-end Barlow Twins, accuracy per block',
    finding:
      'Simultaneous blockwise training (1x1 CbE + GSP, noise 0.25) reaches 70.48% at block 4 against 71.57% end-to-end. ' +
      'With LSP, sequential training (67.12%) trails simultaneous training (68.84%). Supervised blockwise training is better ' +
      'at the early blocks and worse at the last. The gap to the random-feature baseline widens with depth.',
    runs: [
      run('end-to-end', 'end-to-end Barlow Twins (loss at the last block only)', runConfig(s, { method: 'end-to-end' }), { paper: [{ block: 4, accuracy: 71.57 }], ...epochs }),
      run('simultaneous-cbe-noise', 'simultaneous blockwise, 1x1 CbE + GSP, noise 0.25', runConfig(s, { method: 'simultaneous', head: 'cbe', noise: 0.25 }), {
        paper: [{ block: 4, accuracy: 70.48 }],
        ...epochs,
      }),
      run('simultaneous-lsp', 'simultaneous blockwise, LSP', runConfig(s, { method: 'simultaneous', head: 'lsp' }), { paper: [{ block: 4, accuracy: 68.84 }], ...epochs }),
      run('sequential-lsp', 'sequential blockwise, LSP', runConfig(s, { method: 'sequential', head: 'lsp' }), { paper: [{ block: 4, accuracy: 67.12 }], ...epochs }),
      run('supervised-lsp', 'supervised blockwise (cross-entropy per block), LSP', runConfig(s, { method: 'supervised-blockwise', head: 'lsp' })),
      ...randomFeature,
      ...randomInitRun(s),
    ],
  });
}

const ref = (run: string): RunRef => ({ figure: 'fig4', run });

/** The paper's claims that Fig. 4 tests, with the paper's numbers (see `checkClaims`). */
export const FIG4_CLAIMS: readonly Claim[] = [
  {
    id: 'blockwise-nearly-matches-end-to-end',
    statement: 'Simultaneous blockwise training (1x1 CbE + GSP, noise 0.25) nearly matches end-to-end training at block 4',
    paper: '70.48 vs 71.57 (Fig. 4)',
    test: { kind: 'near', a: ref('simultaneous-cbe-noise'), b: ref('end-to-end'), block: 4, tolerance: 2 },
  },
  {
    id: 'simultaneous-beats-sequential',
    statement: 'Simultaneous blockwise training beats sequential blockwise training (LSP heads) at block 4',
    paper: '68.84 vs 67.12 (Fig. 4)',
    test: { kind: 'better', a: ref('simultaneous-lsp'), b: ref('sequential-lsp'), block: 4 },
  },
  {
    id: 'ssl-beats-supervised-at-last-block',
    statement: 'Self-supervised blockwise training beats supervised blockwise training at the last block (both LSP, simultaneous)',
    paper: 'supervised higher at early blocks, lower at block 4 (Fig. 4, plot only)',
    test: { kind: 'better', a: ref('simultaneous-lsp'), b: ref('supervised-lsp'), block: 4 },
  },
  {
    id: 'random-feature-gap-grows',
    statement: 'The gap between trained blocks and the random-feature baseline (block k on k - 1 untrained frozen blocks) grows with depth',
    paper: 'widens from block 2 to block 4 (Fig. 4, plot only)',
    test: {
      kind: 'gap-grows',
      trained: ref('simultaneous-cbe-noise'),
      baseline: (block) => ref(`random-feature-b${block}`),
      blocks: [2, 3, 4],
    },
  },
];
