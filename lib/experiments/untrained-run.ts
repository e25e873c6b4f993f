import * as fs from 'fs';
import { ImageDataset } from '../data/dataset';
import { DatasetSource } from '../data/dataset-source';
import { buildModel } from '../train/build-model';
import { checkpointFile, moduleTensors, writeCheckpoint } from '../train/checkpoint';
import { markRunFolder, RunStatus, runPaths, writeRunDatasetSource, writeRunJson } from '../train/run-folder';
import { resolveTrainConfig, TrainConfig } from '../train/train-config';
import { runSplit } from '../train/training-data';

/**
 * Writes a run folder for a model at its seeded initial weights, without training: `config.json`, a checkpoint after
 * 0 steps and a `completed` status at step 0, so that `loadRunModel` and the probes treat it like any run. Its
 * batch-norm running statistics are the initial ones (mean 0, variance 1), which is what eval mode then uses. `source`,
 * where the images come from, goes to `dataset.json` as `runTraining` writes it.
 */
export async function writeUntrainedRun(runDir: string, config: TrainConfig, dataset: ImageDataset, source?: DatasetSource): Promise<void> {
  const paths = runPaths(runDir);
  if (fs.existsSync(paths.dir) && fs.readdirSync(paths.dir).length > 0) throw new Error(`writeUntrainedRun: ${paths.dir} is not empty`);
  const name = config.data?.dataset ?? dataset.name;
  const resolved = resolveTrainConfig({ ...config, data: { ...config.data, dataset: name } }, { name, imageShape: dataset.imageShape, numClasses: dataset.classNames.length });
  const images = runSplit(dataset, resolved.data).train;
  const model = buildModel(resolved);
  try {
    fs.mkdirSync(paths.checkpoints, { recursive: true });
    markRunFolder(paths.dir);
    writeRunJson(paths.config, resolved);
    if (source) writeRunDatasetSource(paths.dir, source);
    const file = checkpointFile(paths.checkpoints, 0);
    await writeCheckpoint(file, {
      state: { step: 0, phase: 0, dataset: { name: images.name, size: images.size, imageShape: [...images.imageShape] }, written: new Date().toISOString() },
      weights: moduleTensors(model),
      optimizer: {},
    });
    writeRunJson(paths.status, { state: 'completed', step: 0, totalSteps: 0, lastCheckpoint: file, updated: new Date().toISOString() } satisfies RunStatus);
  } finally {
    model.dispose();
  }
}
