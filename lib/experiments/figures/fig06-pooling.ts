import { ExperimentPreset, Scale } from '../preset';
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
