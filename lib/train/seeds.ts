/**
 * The independent random streams of a training run. Each is derived from the run seed (and, for the
 * per-step streams, the global step), so any step's randomness can be replayed without replaying the steps
 * before it: this is what makes `resumeTraining` continue exactly where a run stopped.
 */
export const SeedStream = {
  /** Initial backbone weights. */
  backbone: 1,
  /** Initial heads and projectors (and the model's first noise stream). */
  heads: 2,
  /** Order of the training images, per epoch (with `epochRng`). */
  dataOrder: 3,
  /** Augmentations of the two views, per step. */
  views: 4,
  /** Feature noise at the block outputs, per step. */
  noise: 5,
} as const;

/** One 32-bit mixing round (murmur3's finaliser). */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A 32-bit seed from a run seed and any number of integers (stream id, step, ...): a hash, so neighbouring
 * inputs give unrelated seeds. `deriveSeed(seed, SeedStream.views, step)` seeds step `step`'s augmentations.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  if (!Number.isFinite(seed)) throw new Error(`deriveSeed: seed must be a finite number, got ${seed}`);
  let h = mix32(Math.floor(seed) >>> 0);
  for (const p of parts) {
    if (!Number.isInteger(p)) throw new Error(`deriveSeed: parts must be integers, got ${p}`);
    h = mix32((h ^ mix32((p + 0x9e3779b9) >>> 0)) + 0x632be5ab);
  }
  return h;
}
