import { Rng } from './rng';

/** Where a model's initial weights come from: a seed, or a generator shared with other models. */
export type Seed = number | Rng;

/** The generator a seed stands for; an `Rng` is used as is, so its stream advances. */
export function toRng(seed: Seed): Rng {
  return typeof seed === 'number' ? new Rng(seed) : seed;
}
