import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../nn/rng';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation } from './color-adjust';
import { mapSampleGroups, SampleGroup } from './sample-groups';

/** Options of `colorJitter`; defaults are the Barlow Twins ones. */
export interface ColorJitterOptions {
  /** Brightness factor drawn from [max(0, 1 - b), 1 + b] (default 0.4). */
  brightness?: number;
  /** Contrast factor drawn from [max(0, 1 - c), 1 + c] (default 0.4). */
  contrast?: number;
  /** Saturation factor drawn from [max(0, 1 - s), 1 + s] (default 0.2). */
  saturation?: number;
  /** Hue shift drawn from [-h, h] turns, h <= 0.5 (default 0.1). */
  hue?: number;
  /** Probability of jittering an image at all (default 0.8, `RandomApply(ColorJitter(...), p=0.8)`). */
  p?: number;
}

const ADJUST = [adjustBrightness, adjustContrast, adjustSaturation, adjustHue];

/**
 * Colour jitter (torchvision's `ColorJitter` inside `RandomApply`): with probability `p`, an image gets a
 * brightness, contrast, saturation and hue change, each with its own random factor, applied in a random
 * order of its own. Batched: at each of the four steps, the images doing the same adjustment are gathered
 * and adjusted together. Draws 8 uniforms per sample from `rng` (apply, 3 for the order, 4 factors), whatever
 * is applied. Gray images (C = 1) skip saturation and hue, which do
 * not change them (see `adjustSaturation`).
 */
export function colorJitter(
  images: tf.Tensor4D,
  rng: Rng,
  { brightness = 0.4, contrast = 0.4, saturation = 0.2, hue = 0.1, p = 0.8 }: ColorJitterOptions = {},
): tf.Tensor4D {
  if ([brightness, contrast, saturation, hue].some((v) => !(v >= 0))) {
    throw new Error(`colorJitter: strengths must be >= 0, got ${[brightness, contrast, saturation, hue]}`);
  }
  if (hue > 0.5) throw new Error(`colorJitter: hue must be <= 0.5, got ${hue}`);
  const n = images.shape[0];
  const gray = images.shape[3] === 1;
  const enabled = [brightness > 0, contrast > 0, saturation > 0 && !gray, hue > 0 && !gray];
  const ranges: [number, number][] = [
    [Math.max(0, 1 - brightness), 1 + brightness],
    [Math.max(0, 1 - contrast), 1 + contrast],
    [Math.max(0, 1 - saturation), 1 + saturation],
    [-hue, hue],
  ];
  const apply: boolean[] = [];
  const order: number[][] = [];
  const factors: number[][] = [];
  for (let i = 0; i < n; i++) {
    apply.push(rng.uniform() < p);
    const perm = [0, 1, 2, 3];
    for (let k = 3; k > 0; k--) {
      const j = Math.floor(rng.uniform() * (k + 1));
      [perm[k], perm[j]] = [perm[j], perm[k]];
    }
    order.push(perm);
    factors.push(ranges.map(([lo, hi]) => lo + (hi - lo) * rng.uniform()));
  }
  let x = images.clone();
  for (let step = 0; step < 4; step++) {
    const groups: SampleGroup[] = [];
    for (let op = 0; op < 4; op++) {
      if (!enabled[op]) continue;
      const indices = [];
      for (let i = 0; i < n; i++) if (apply[i] && order[i][step] === op) indices.push(i);
      groups.push({ indices, fn: (sub, idx) => ADJUST[op](sub, idx.map((i) => factors[i][op])) });
    }
    const next = mapSampleGroups(x, groups);
    x.dispose();
    x = next;
  }
  return x;
}
