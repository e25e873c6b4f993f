import { Rng } from '../nn/rng';

/**
 * An `Rng` whose stream can be restarted from a new seed in place. Whoever holds it (the feature noise of a
 * `BlockwiseNetwork`) keeps the same object, while the trainer reseeds it before every step from
 * (run seed, step): the noise of step s is then a pure function of s, and a resumed run draws exactly the
 * noise the uninterrupted run would have drawn.
 *
 * Every draw goes through `uniform` / `normal`, which read the current inner generator; `reseed(seed)` gives
 * the same stream as `new Rng(seed)`.
 */
export class ReseedableRng extends Rng {
  private inner: Rng;

  constructor(seed: number) {
    super(seed);
    this.inner = new Rng(seed);
  }

  /** Restarts the stream: the next draws are those of `new Rng(seed)`. */
  reseed(seed: number): void {
    this.inner = new Rng(seed);
  }

  override uniform(): number {
    return this.inner.uniform();
  }

  override normal(): number {
    return this.inner.normal();
  }
}
