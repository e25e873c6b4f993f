import { ExperimentPreset, Scale } from '../preset';
import { scaleSettings } from '../scales';
import { cbe, makePreset, run, runConfig } from '../run-recipe';

/** CbE filter sizes of Fig. 12: the paper's 1x1, the authors' script default 3x3, and a larger 5x5 (the paper says "larger"). */
export const CBE_FILTER_SIZES = [1, 3, 5];

/** Fig. 12: the filter size of the conv-based expansion, simultaneous training without noise. */
export function fig12(scale: Scale): ExperimentPreset {
  const s = scaleSettings(scale);
  return makePreset(s, 'fig12', {
    title: 'Fig. 12: CbE filter size',
    finding: 'Larger expansion filters significantly hurt the final block (numbers shown only as a plot).',
    runs: CBE_FILTER_SIZES.map((k) => run(`cbe-${k}x${k}`, `${k}x${k} CbE + GSP`, runConfig(s, { method: 'simultaneous', head: cbe(s, { kernelSize: k }) }))),
  });
}
