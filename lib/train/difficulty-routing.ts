import * as tf from '@tensorflow/tfjs-core';
import { checkEmbeddingPair } from '../losses/embedding-pair';
import { standardizeEmbeddings } from '../losses/barlow-twins';
import { ExampleWeighting } from '../losses/block-loss';

/**
 * Example difficulty-based routing (paper Appendix A, Fig. 11): each step ranks the batch's examples by their
 * loss and routes the easiest to block 1, ..., the hardest to the last block. How the blocks train on the
 * examples routed elsewhere:
 * - `'train-all-below'`: an example routed to block k also trains every block below it (the paper's "[Train
 *   all below]"), so block j trains on the examples routed to blocks j and up, block 1 on all of them.
 * - `'weighted'`: every block trains on every example, those routed to it with weight 1 and the others with
 *   `otherWeight` (the paper's runs "with a reduced weight specified using the weight mentioned in the legend").
 *
 * The paper gives no further detail. Our reading: an example's loss is its share of the last block's Barlow
 * Twins invariance term in the current step (`exampleDifficulty`), the batch is split into equal quantiles
 * (`routeByDifficulty`), and a block's loss is Barlow Twins with example weights (`barlowTwinsTerms`' `weights`).
 * Routing needs every block to train in every step: simultaneous blockwise training.
 */
export type RoutingScheme = { kind: 'train-all-below' } | { kind: 'weighted'; otherWeight: number };

/** Checks a scheme read from a preset or a config file; throws an error naming `what` and the bad field. */
export function checkRoutingScheme(what: string, scheme: RoutingScheme): void {
  if (scheme.kind === 'train-all-below') return;
  if (scheme.kind === 'weighted') {
    const w = scheme.otherWeight;
    if (!(typeof w === 'number' && w >= 0 && w <= 1)) throw new Error(`${what}: routing.otherWeight must be a number in [0, 1], got ${w}`);
    return;
  }
  throw new Error(`${what}: routing.kind must be 'train-all-below' or 'weighted', got '${(scheme as { kind: unknown }).kind}'`);
}

/**
 * What a routed step needs, whoever checks it (a run's config, the training step): a valid scheme, at least two
 * blocks, every block trained (`trained` is 0 .. numBlocks - 1) and Barlow Twins losses (the weighted loss is
 * Barlow Twins'). Throws an error naming `what`.
 */
export function checkRouting(what: string, scheme: RoutingScheme, numBlocks: number, trained: readonly number[], losses: readonly { kind: string }[]): void {
  checkRoutingScheme(what, scheme);
  if (numBlocks < 2) throw new Error(`${what}: difficulty routing needs at least two blocks`);
  if (trained.length !== numBlocks || trained.some((k, i) => k !== i)) {
    throw new Error(`${what}: difficulty routing needs every block trained, but it trains blocks [${trained}]`);
  }
  losses.forEach((l, k) => {
    if (l.kind !== 'barlow-twins') throw new Error(`${what}: difficulty routing weights Barlow Twins losses; block ${k + 1} has '${l.kind}'`);
  });
}

/**
 * Each example's loss under Barlow Twins' invariance term: with z1n, z2n the two views' `[N, D]` embeddings
 * standardised over the batch (as the loss does), `d_b = mean_i (z1n_bi - z2n_bi)^2`. Since
 * `c_ii = 1 - sum_b (z1n_bi - z2n_bi)^2 / 2N` (up to `eps`), these are the examples' shares of the loss's
 * invariance deficit: an example whose two views the network maps far apart is hard. `[N]`, no gradient needed.
 */
export function exampleDifficulty(z1: tf.Tensor2D, z2: tf.Tensor2D, eps = 1e-5): tf.Tensor1D {
  checkEmbeddingPair('exampleDifficulty', z1, z2);
  return tf.tidy(() => tf.mean(tf.square(tf.sub(standardizeEmbeddings(z1, eps), standardizeEmbeddings(z2, eps))), 1) as tf.Tensor1D);
}

/**
 * The block each example is routed to (0-based): examples sorted by `difficulty` (ties by position) and cut
 * into `numBlocks` quantiles of equal size (block k gets ranks `floor(k N / K)` up to the next block's first),
 * the easiest to block 0. Needs at least two examples per block (a block's Barlow Twins statistics).
 */
export function routeByDifficulty(difficulty: ArrayLike<number>, numBlocks: number): Int32Array {
  const n = difficulty.length;
  if (!(Number.isInteger(numBlocks) && numBlocks >= 1)) throw new Error(`routeByDifficulty: numBlocks ${numBlocks} is not an integer >= 1`);
  if (n < 2 * numBlocks) throw new Error(`routeByDifficulty: ${n} examples cannot give each of ${numBlocks} blocks two examples`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(difficulty[i])) throw new Error(`routeByDifficulty: difficulty of example ${i} is ${difficulty[i]}`);
  }
  const order = [...Array(n).keys()].sort((a, b) => difficulty[a] - difficulty[b] || a - b);
  const route = new Int32Array(n);
  order.forEach((example, rank) => (route[example] = Math.floor((rank * numBlocks) / n)));
  return route;
}

/** Per block, the `[N]` example weights of its loss under `scheme`, given each example's block `route`. */
export function routingWeights(route: Int32Array, numBlocks: number, scheme: RoutingScheme): Float32Array[] {
  checkRoutingScheme('routingWeights', scheme);
  return [...Array(numBlocks).keys()].map((k) =>
    Float32Array.from(route, (r) => {
      if (r === k) return 1;
      if (scheme.kind === 'train-all-below') return r > k ? 1 : 0;
      return scheme.otherWeight;
    }),
  );
}

/**
 * Difficulty routing as the training step's example weighting (`SslStepConfig.weighting`): each example's
 * difficulty is read from the last block's embeddings, the batch is routed, and every block's Barlow Twins loss
 * weights the examples as `scheme` says.
 */
export function difficultyRouting(scheme: RoutingScheme): ExampleWeighting {
  checkRoutingScheme('difficultyRouting', scheme);
  return {
    action: 'route by difficulty',
    check: (what, numBlocks, lossBlocks, losses) => checkRouting(what, scheme, numBlocks, lossBlocks, losses),
    weights: (z1, z2) => {
      const n = z1.length;
      const difficulty = exampleDifficulty(z1[n - 1], z2[n - 1]);
      const route = routeByDifficulty(difficulty.dataSync(), n);
      difficulty.dispose();
      return routingWeights(route, n, scheme);
    },
  };
}
