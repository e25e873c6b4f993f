import { Rng } from '../nn/rng';

/** A uniformly random permutation of `0..n-1` (Fisher-Yates, driven by `rng`). */
export function shuffledIndices(n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/**
 * The generator for epoch `epoch` of a run seeded with `seed`: each epoch gets its own stream, so epoch 7's
 * order does not depend on how many batches earlier epochs drew, and any epoch can be replayed alone.
 */
export function epochRng(seed: number, epoch: number): Rng {
  if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`epochRng: epoch must be an integer >= 0, got ${epoch}`);
  return new Rng((Math.floor(seed) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0);
}
