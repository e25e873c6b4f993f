import { ExperimentPreset, Scale } from '../preset';
import { scaleSettings } from '../scales';
import { makePreset, run, runConfig } from '../run-recipe';

/**
 * Fig. 5: the comparison of Fig. 4 with VICReg and SimCLR (NT-Xent) instead of Barlow Twins: end-to-end against
 * simultaneous blockwise training with 1x1 CbE + GSP and noise. The paper does not publish SimCLR's temperature;
 * 0.1 is SimCLR's ImageNet default (0.2 is the usual CIFAR value).
 */
export function fig5(scale: Scale): ExperimentPreset {
  const s = scaleSettings(scale);
  const vicreg = { kind: 'vicreg' as const, simCoeff: 25, stdCoeff: 25, covCoeff: 1 };
  const simclr = { kind: 'nt-xent' as const, temperature: 0.1 };
  return makePreset(s, 'fig5', {
    title: 'Fig. 5: blockwise vs end-to-end with VICReg and SimCLR',
    finding: 'For VICReg and SimCLR as for Barlow Twins, simultaneous blockwise training with expansion pooling loses only slightly against end-to-end training (numbers shown only as a plot).',
    runs: [
      run('end-to-end-vicreg', 'end-to-end VICReg', runConfig(s, { method: 'end-to-end', loss: vicreg })),
      run('simultaneous-vicreg', 'simultaneous blockwise VICReg, 1x1 CbE + GSP, noise 0.25', runConfig(s, { method: 'simultaneous', loss: vicreg, noise: 0.25 })),
      run('end-to-end-simclr', 'end-to-end SimCLR', runConfig(s, { method: 'end-to-end', loss: simclr })),
      run('simultaneous-simclr', 'simultaneous blockwise SimCLR, 1x1 CbE + GSP, noise 0.25', runConfig(s, { method: 'simultaneous', loss: simclr, noise: 0.25 })),
    ],
  });
}
