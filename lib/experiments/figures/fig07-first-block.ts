import { ExperimentPreset, Scale } from '../preset';
import type { Claim, RunRef } from '../claims';
import { scaleSettings } from '../scales';
import { makePreset, run, runConfig } from '../run-recipe';

/**
 * Fig. 7, the first block: sequential training with LSP, the same with the first block taken from the end-to-end
 * run (its block 1 is loaded and stays frozen while blocks 2-4 train sequentially; our reading of "training the
 * first block in an end-to-end setting, and then plugging it into the blockwise training protocol"), and blocks 1
 * and 2 merged into one training block (simultaneous, LSP). The end-to-end and simultaneous LSP runs are the
 * references.
 */
export function fig7(scale: Scale): ExperimentPreset {
  const s = scaleSettings(scale);
  return makePreset(s, 'fig7', {
    title: 'Fig. 7: how the first block is trained',
    finding:
      'Plugging an end-to-end-trained first block into sequential training lifts block 4 from 67.12% to 70.07% (end-to-end: ' +
      '71.57%); merging blocks 1 and 2 into one simultaneously trained block gives 70.14% (simultaneous with LSP: 68.84%).',
    runs: [
      run('end-to-end', 'end-to-end Barlow Twins (the source of the first block)', runConfig(s, { method: 'end-to-end' }), { paper: [{ block: 4, accuracy: 71.57 }] }),
      run('sequential-lsp', 'sequential blockwise, LSP', runConfig(s, { method: 'sequential', head: 'lsp' }), { paper: [{ block: 4, accuracy: 67.12 }] }),
      run(
        'e2e-first-block-sequential',
        'block 1 from the end-to-end run (frozen), blocks 2-4 sequential, LSP',
        runConfig(s, { method: 'sequential', head: 'lsp', init: { run: 'end-to-end', blocks: [0] } }),
        { paper: [{ block: 4, accuracy: 70.07 }] },
      ),
      run('merged-b1-b2', 'blocks 1 and 2 merged into one training block, simultaneous, LSP', runConfig(s, { method: 'simultaneous', head: 'lsp', partition: [[0, 1], [2], [3]] }), {
        paper: [{ block: 4, accuracy: 70.14 }],
      }),
      run('simultaneous-lsp', 'simultaneous blockwise, LSP', runConfig(s, { method: 'simultaneous', head: 'lsp' }), { paper: [{ block: 4, accuracy: 68.84 }] }),
    ],
  });
}

const ref = (run: string): RunRef => ({ figure: 'fig7', run });

/** The paper's claims that Fig. 7 tests, with the paper's numbers (see `checkClaims`). */
export const FIG7_CLAIMS: readonly Claim[] = [
  {
    id: 'first-block-is-the-bottleneck',
    statement: 'The first block is the bottleneck: an end-to-end-trained first block lifts sequential training, and merging blocks 1 and 2 lifts simultaneous training',
    paper: '70.07 vs 67.12; merged 70.14 vs 68.84 (Fig. 7)',
    test: {
      kind: 'all',
      parts: [
        { kind: 'better', a: ref('e2e-first-block-sequential'), b: ref('sequential-lsp'), block: 4 },
        { kind: 'better', a: ref('merged-b1-b2'), b: ref('simultaneous-lsp'), block: 4 },
      ],
    },
  },
];
