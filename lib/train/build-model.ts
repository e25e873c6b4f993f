import { prefixed } from '../nn/module';
import { ResNet } from '../nn/resnet';
import { BlockwiseSslModel } from './blockwise-ssl-model';
import { Checkpoint, restoreVariables } from './checkpoint';
import { deriveSeed, SeedStream } from './seeds';
import { ResolvedTrainConfig } from './train-config';

/**
 * The model a resolved config describes, at its seeded initial weights: the ResNet backbone (seeded by
 * `deriveSeed(seed, SeedStream.backbone)`) cut into training blocks with heads and projectors (seeded by
 * `deriveSeed(seed, SeedStream.heads)`). Stop-gradient sits between its blocks (an end-to-end run is one block).
 * The caller owns it and disposes it.
 */
export function buildModel(config: ResolvedTrainConfig): BlockwiseSslModel {
  const { backbone, ...blockwise } = config.model;
  return new BlockwiseSslModel(
    new ResNet(backbone, deriveSeed(config.seed, SeedStream.backbone)),
    { ...blockwise, stopGradient: true },
    deriveSeed(config.seed, SeedStream.heads),
  );
}

/**
 * Copies the backbone weights of `blocks` (parameters and batch-norm running statistics, under their
 * `network.*` names) from another run's checkpoint into `model`. The backbone's names do not depend on how
 * it is cut into blocks, so the first block of an end-to-end run (one block, the whole backbone) fills
 * block 1 of a four-block model. `source` names the checkpoint in errors.
 */
export function loadBlocks(model: BlockwiseSslModel, blocks: readonly number[], checkpoint: Checkpoint, source: string): void {
  const vars = blocks.flatMap((k) => {
    const b = model.network.blocks[k];
    if (b === undefined) throw new Error(`loadBlocks: the model has no block ${k} (it has ${model.numBlocks})`);
    return prefixed('network', [...b.parameters(), ...b.buffers()]);
  });
  restoreVariables(vars, checkpoint.weights, { strict: false, source });
}
