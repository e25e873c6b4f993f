import { ExperimentPreset, Scale } from '../preset';
import type { Claim, RunRef } from '../claims';
import { scaleSettings } from '../scales';
import { cbe, makePreset, randomInitRun, run, runConfig } from '../run-recipe';

/**
 * Fig. 6: the pooling head between block and projector (Sec. 3.3), simultaneous training without noise: GSP, LSP,
 * and conv-based expansion followed by global average (GSP), L2 or square-root pooling.
 */
export function fig6(scale: Scale): ExperimentPreset {
  const s = scaleSettings(scale);
  return makePreset(s, 'fig6', {
    title: 'Fig. 6: pooling strategies',
    finding:
      'CbE + GSP gives the best block-4 accuracy; LSP and GSP are similar and a bit lower; CbE with L2 or square-root pooling ' +
      'raises the early blocks but lowers block 4 (numbers shown only as a plot).',
    runs: [
      run('gsp', 'global spatial pooling', runConfig(s, { method: 'simultaneous', head: 'gsp' })),
      run('lsp', 'local spatial pooling', runConfig(s, { method: 'simultaneous', head: 'lsp' })),
      run('cbe-gsp', '1x1 CbE + global average pooling', runConfig(s, { method: 'simultaneous', head: 'cbe' })),
      run('cbe-l2', '1x1 CbE + L2 pooling', runConfig(s, { method: 'simultaneous', head: cbe(s, { pooling: 'l2' }) })),
      run('cbe-sqrt', '1x1 CbE + square-root pooling', runConfig(s, { method: 'simultaneous', head: cbe(s, { pooling: 'sqrt' }) })),
      ...randomInitRun(s),
    ],
  });
}

const ref = (run: string): RunRef => ({ figure: 'fig6', run });

/** The paper's claims that Fig. 6 tests, with the paper's numbers (see `checkClaims`). */
export const FIG6_CLAIMS: readonly Claim[] = [
  {
    id: 'cbe-gsp-best-pooling',
    statement: 'CbE + GSP is the best pooling head at block 4 (against GSP, LSP, CbE + L2, CbE + sqrt)',
    paper: 'best at block 4 (Fig. 6, plot only)',
    test: { kind: 'best', a: ref('cbe-gsp'), others: ['gsp', 'lsp', 'cbe-l2', 'cbe-sqrt'].map(ref), block: 4 },
  },
];
