import { ExperimentPreset, Scale } from '../preset';
import { scaleSettings } from '../scales';
import { makePreset, run, runConfig } from '../run-recipe';

/**
 * Fig. 8: violins of the on- and off-diagonal terms of the Barlow Twins cross-correlation matrix per block, measured
 * on GSP backbone features (no head, no projector) of a supervised model, end-to-end Barlow Twins and three
 * blockwise models. The supervised model is a supervised run with the whole backbone as one training block (GSP
 * head, projector to the classes, cross-entropy), i.e. supervised end-to-end training with the same augmentations.
 */
export function fig8(scale: Scale): ExperimentPreset {
  const s = scaleSettings(scale);
  return makePreset(s, 'fig8', {
    title: 'Fig. 8: cross-correlation terms per block',
    finding:
      'Supervised training raises the on-diagonal terms and lowers the off-diagonal ones steadily with depth. The first block of ' +
      'a blockwise model models the diagonal much more strongly than the end-to-end model\'s first block; its last block less.',
    runs: [
      run('supervised', 'supervised end-to-end (one training block, cross-entropy)', runConfig(s, { method: 'supervised-blockwise', head: 'gsp', partition: [[0, 1, 2, 3]] })),
      run('end-to-end', 'end-to-end Barlow Twins', runConfig(s, { method: 'end-to-end' })),
      run('sequential-lsp', 'sequential blockwise, LSP', runConfig(s, { method: 'sequential', head: 'lsp' })),
      run('simultaneous-lsp', 'simultaneous blockwise, LSP', runConfig(s, { method: 'simultaneous', head: 'lsp' })),
      run('simultaneous-cbe', 'simultaneous blockwise, 1x1 CbE + GSP', runConfig(s, { method: 'simultaneous', head: 'cbe' })),
    ],
    statistics: true,
  });
}
