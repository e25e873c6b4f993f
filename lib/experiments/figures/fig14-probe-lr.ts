import { ExperimentPreset, Scale } from '../preset';
import { scaleSettings } from '../scales';
import { makePreset, run, runConfig } from '../run-recipe';

/** Linear-probe learning rates of Fig. 14: a grid of three around Barlow Twins' 0.3 (the paper does not list it; our choice). */
export const PROBE_LEARNING_RATES = [0.1, 0.3, 1.0];

/** Fig. 14 (Appendix B): the linear probe's learning rate, on one model (simultaneous, 1x1 CbE + GSP, noise 0.25). */
export function fig14(scale: Scale): ExperimentPreset {
  const s = scaleSettings(scale);
  const base = s.probe.linear[0];
  return makePreset(s, 'fig14', {
    title: 'Fig. 14: linear-probe learning rate',
    finding: 'The probe\'s learning rate has minimal effect, other values only deteriorating accuracy (numbers shown only as a plot).',
    runs: [run('simultaneous-cbe-noise', 'simultaneous blockwise, 1x1 CbE + GSP, noise 0.25', runConfig(s, { method: 'simultaneous', head: 'cbe', noise: 0.25 }))],
    probe: { linear: PROBE_LEARNING_RATES.map((lr) => ({ ...base, name: `linear-lr${lr}`, lr })) },
  });
}
