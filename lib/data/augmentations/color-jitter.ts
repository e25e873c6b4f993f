import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../nn/rng';
import { adjustHue, affineColor, brightnessMap, ColorMap, contrastMap, IDENTITY_COLOR_MAP, saturationMap } from './color-adjust';

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

const MAPS = [brightnessMap, contrastMap, saturationMap];
const HUE = 3;

/**
 * Colour jitter (torchvision's `ColorJitter` inside `RandomApply`): with probability `p`, an image gets a
 * brightness, contrast, saturation and hue change, each with its own random factor, applied in a random
 * order of its own. Batched in four steps: at each step every image does the adjustment its order puts
 * there, brightness, contrast and saturation together as one batched colour map (`affineColor`, identity
 * for the images doing something else), hue on the images whose turn it is (kept as a group of their own
 * throughout). Draws 8 uniforms per
 * sample from `rng` (apply, 3 for the order, 4 factors), whatever is applied. Gray images (C = 1) skip
 * saturation and hue, which do not change them (see `adjustSaturation`).
 */
/** The random choices of colour jitter for a batch: whether each image is jittered, its order, its four factors. */
export interface ColorJitterDraws {
  /** Per image: jittered at all. */
  apply: boolean[];
  /** Per image: the order of brightness (0), contrast (1), saturation (2), hue (3). */
  order: number[][];
  /** Per image: the brightness, contrast, saturation factors and the hue shift in turns. */
  factors: number[][];
  /** Per adjustment: it has a non-zero strength and applies to the channel count (gray images skip 2 and 3). */
  enabled: boolean[];
}

/**
 * Draws colour jitter's random choices for `n` images with `channels` channels: 8 uniforms per sample from
 * `rng` (apply, 3 for the order, 4 factors), whatever is applied. The tensor path (`colorJitter`) and the
 * fused typed-array path (`fused-view.ts`) both draw through here, so one seed gives both the same jitter.
 */
export function sampleColorJitter(
  n: number,
  channels: number,
  rng: Rng,
  { brightness = 0.4, contrast = 0.4, saturation = 0.2, hue = 0.1, p = 0.8 }: ColorJitterOptions = {},
): ColorJitterDraws {
  if ([brightness, contrast, saturation, hue].some((v) => !(v >= 0))) {
    throw new Error(`colorJitter: strengths must be >= 0, got ${[brightness, contrast, saturation, hue]}`);
  }
  if (hue > 0.5) throw new Error(`colorJitter: hue must be <= 0.5, got ${hue}`);
  const gray = channels === 1;
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
  return { apply, order, factors, enabled };
}

export function colorJitter(images: tf.Tensor4D, rng: Rng, options: ColorJitterOptions = {}): tf.Tensor4D {
  const n = images.shape[0];
  const { apply, order, factors, enabled } = sampleColorJitter(n, images.shape[3], rng, options);
  const opAt = (i: number, step: number): number | null => {
    const op = order[i][step];
    return apply[i] && enabled[op] ? op : null;
  };
  // The batch is split into groups by the step at which an image turns its hue (group 4: never), each group
  // a tensor of its own: every step maps all groups' colours and turns the hue of one whole group, so no
  // step slices or reassembles the batch. One gather splits, one concat and gather restore the order.
  const hueStep = Array.from({ length: n }, (_, i) => [0, 1, 2, 3].find((st) => opAt(i, st) === HUE) ?? 4);
  const groups = [0, 1, 2, 3, 4].map((g) => hueStep.flatMap((h, i) => (h === g ? [i] : []))).filter((m) => m.length > 0);
  let parts = groups.map((members) => (members.length === n ? images.clone() : tf.gather(images, members)));
  for (let step = 0; step < 4; step++) {
    parts = parts.map((part, g) => {
      const members = groups[g];
      const maps = members.map((i) => {
        const op = opAt(i, step);
        return op !== null && op !== HUE ? MAPS[op](factors[i][op]) : IDENTITY_COLOR_MAP;
      });
      const turns = hueStep[members[0]] === step;
      if (!turns && maps.every((m) => m === IDENTITY_COLOR_MAP)) return part;
      const next = tf.tidy(() => {
        const mapped = maps.some((m) => m !== IDENTITY_COLOR_MAP) ? affineColor(part, maps) : part;
        return turns ? adjustHue(mapped, members.map((i) => factors[i][HUE])) : mapped;
      });
      part.dispose();
      return next;
    });
  }
  if (parts.length === 1) return parts[0];
  const position = new Int32Array(n);
  let row = 0;
  for (const members of groups) for (const i of members) position[i] = row++;
  const x = tf.tidy(() => tf.gather(tf.concat(parts, 0), position) as tf.Tensor4D);
  tf.dispose(parts);
  return x;
}
