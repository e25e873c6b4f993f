import { CIFAR10_STATS } from '../../data/normalization';
import { barlowTwinsViews, barlowTwinsViewsSmall } from '../../data/views';
import { ExperimentPreset, Scale } from '../preset';
import { ScaleSettings, scaleSettings } from '../scales';
import { makePreset, run, runConfig } from '../run-recipe';

/**
 * The CIFAR-10 settings of Appendix D. Paper: ResNet-50 on CIFAR-10 training images upscaled to 224, 1000 epochs,
 * batch 128, learning rate 0.01, everything else as on ImageNet; probes scored on the CIFAR-10 test set. CPU: the
 * JPEG tarball on the CPU-scale backbone with 24x24 views (measured 2026-11-25, wasm, batch 128: end-to-end 1.9 s per
 * step, sequential CbE 2.8 / 1.1 / 0.6 / 0.6 s per step for blocks 1-4, so 11 and 8 minutes for the 351 steps of an
 * epoch; 32x32 views would take 3.9 and 5.5 / 1.9 / 1.2 / 0.9 s, the end-to-end run 23 minutes). Smoke: 12x12 views.
 */
function cifarSettings(scale: Scale): ScaleSettings {
  const s = scaleSettings(scale);
  if (scale === 'paper') {
    return {
      ...s,
      dataset: { name: 'cifar10-jpg', imageSize: 224 },
      evalDataset: { name: 'cifar10-test' },
      data: { ...s.data, batchSize: 128, epochs: 1000, views: barlowTwinsViews({ size: 224, stats: CIFAR10_STATS }), validationFraction: 0 },
      optimizer: { ...s.optimizer, baseLr: 0.01 },
      probe: { ...s.probe, evalCropFraction: 1 },
      notes: `${s.notes} Fig. 16 (Appendix D): CIFAR-10 training images upscaled to 224, 1000 epochs, batch 128, learning rate 0.01, probes scored on the CIFAR-10 test set (upscaled on the fly).`,
    };
  }
  const size = scale === 'cpu' ? 24 : 12;
  return {
    ...s,
    dataset: { name: 'cifar10-jpg' },
    data: { ...s.data, views: barlowTwinsViewsSmall({ size, stats: CIFAR10_STATS }) },
    notes: `${s.notes} Fig. 16 trains on CIFAR-10 (the JPEG tarball, 45,000 training and 5,000 held-out images) with ${size}x${size} views.`,
  };
}

/**
 * Fig. 16 (Appendix D): end-to-end against sequential blockwise training with 1x1 CbE + GSP and no noise, on CIFAR-10.
 */
export function fig16(scale: Scale): ExperimentPreset {
  const s = cifarSettings(scale);
  return makePreset(s, 'fig16', {
    title: 'Fig. 16: CIFAR-10',
    finding: 'On CIFAR-10, sequential blockwise training (1x1 CbE + GSP, no noise) nearly matches end-to-end training; accuracy saturates after block 3 (numbers shown only as a plot).',
    runs: [
      run('end-to-end', 'end-to-end Barlow Twins', runConfig(s, { method: 'end-to-end' })),
      run('sequential-cbe', 'sequential blockwise, 1x1 CbE + GSP, no noise', runConfig(s, { method: 'sequential', head: 'cbe' })),
    ],
  });
}
