import { ExperimentPreset, Scale } from '../preset';
import { scaleSettings } from '../scales';
import { cbe, makePreset, run, runConfig } from '../run-recipe';

/** Groups of the grouped CbE convolution of Fig. 13; the paper does not give the number (our choice). */
export const CBE_GROUPS = 4;

/**
 * Fig. 13 (Appendix B): a projector with twice the hidden width (8192 -> 16384 at paper scale, the output width
 * unchanged) and a grouped convolution in the CbE head, against the 1x1 CbE + GSP baseline (simultaneous, no noise).
 */
export function fig13(scale: Scale): ExperimentPreset {
  const s = scaleSettings(scale);
  const wide = [...s.projector.slice(0, -1).map((w) => 2 * w), s.projector[s.projector.length - 1]];
  return makePreset(s, 'fig13', {
    title: 'Fig. 13: projector width and grouped CbE',
    finding:
      'A 16384-wide projector raises the early blocks and lowers the last; a grouped convolution in the expansion costs a little ' +
      'accuracy (numbers shown only as a plot).',
    runs: [
      run('baseline', `1x1 CbE + GSP, projector ${s.projector.join('-')}`, runConfig(s, { method: 'simultaneous', head: 'cbe' })),
      run('wide-projector', `1x1 CbE + GSP, projector ${wide.join('-')}`, runConfig(s, { method: 'simultaneous', head: 'cbe', projector: wide })),
      run('grouped-cbe', `1x1 CbE with ${CBE_GROUPS} groups + GSP`, runConfig(s, { method: 'simultaneous', head: cbe(s, { groups: CBE_GROUPS }) })),
    ],
  });
}
