/**
 * How a backbone's stages are grouped into training blocks: one array of stage indices (0-based, so
 * stage 0 is ResNet's `layer1`) per block, in order. The stem always belongs to the first block. The
 * paper's split of ResNet-50 is `[[0], [1], [2], [3]]`; merging blocks 1 and 2 (paper Sec. 5) is
 * `[[0, 1], [2], [3]]`; `[[0, 1, 2, 3]]` is one block, i.e. the whole network.
 */
export type Partition = ReadonlyArray<ReadonlyArray<number>>;

/** One training block per stage: `[[0], [1], ..., [numStages - 1]]`. */
export function defaultPartition(numStages: number): number[][] {
  return Array.from({ length: numStages }, (_, i) => [i]);
}

/**
 * Checks that `partition` splits stages `0 .. numStages - 1` into non-empty runs of consecutive stages,
 * in order, each stage exactly once; throws an error naming the problem otherwise.
 */
export function validatePartition(partition: Partition, numStages: number): void {
  const show = JSON.stringify(partition);
  if (partition.length === 0) throw new Error(`Partition ${show}: needs at least one block`);
  let next = 0;
  partition.forEach((block, k) => {
    if (block.length === 0) throw new Error(`Partition ${show}: block ${k + 1} has no stages`);
    for (const s of block) {
      if (s !== next) {
        throw new Error(`Partition ${show}: block ${k + 1} lists stage ${s} where stage ${next} was expected (stages must be consecutive, in order, each once)`);
      }
      next++;
    }
  });
  if (next !== numStages) {
    throw new Error(`Partition ${show}: covers stages 0..${next - 1}, but the backbone has ${numStages} stages`);
  }
}
