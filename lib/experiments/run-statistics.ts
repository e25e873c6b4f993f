import * as fs from 'fs';
import * as path from 'path';
import { ImageDataset } from '../data/dataset';
import { blockCorrelationStatistics, BlockCorrelationStatisticsJson, blockStatisticsToJson } from '../eval/block-statistics';
import { loadRunModel } from '../train/load-run';
import { readRunJson, runPaths, writeRunJson } from '../train/run-folder';
import { StatisticsSettings } from './preset';
import { probeSplits, runViewRecipe, stageNetwork } from './probe-run';

/** What `statistics.json` in a run folder holds: the Fig. 8 statistics of the run after `steps` steps. */
export interface RunStatistics {
  run: string;
  steps: number;
  /** The images measured (the held-out split, or the evaluation dataset). */
  dataset: string;
  settings: StatisticsSettings;
  /** One entry per backbone stage (block 1-4 of the paper's figure; `block` is 0-based). */
  blocks: BlockCorrelationStatisticsJson[];
}

/** The statistics file of a run folder. */
export function runStatisticsFile(runDir: string): string {
  return path.join(runPaths(runDir).dir, 'statistics.json');
}

/**
 * The Fig. 8 statistics of a run (its newest checkpoint), as the paper computes them: two augmented views (the run's
 * training recipe) of `batches` batches of held-out images go through the backbone in eval mode; every stage's output
 * is globally average-pooled (GSP; no head, no projector, since the end-to-end model has none at the early blocks) and
 * the Barlow Twins cross-correlation matrix of the two views is averaged over the batches. Saved as `statistics.json`
 * in the run folder and returned.
 */
export async function runStatistics(
  runDir: string,
  settings: StatisticsSettings,
  { label, dataset, evalDataset = null }: { label?: string; dataset: ImageDataset; evalDataset?: ImageDataset | null },
): Promise<RunStatistics> {
  const { model, config, step } = await loadRunModel(runDir);
  try {
    const { evaluation, evaluationName } = probeSplits(config, { trainImages: null, evalImages: settings.batchSize * settings.batches, seed: settings.seed }, dataset, evalDataset);
    const blocks = await blockCorrelationStatistics({ network: stageNetwork(model) }, evaluation, {
      views: runViewRecipe(config),
      batchSize: settings.batchSize,
      batches: settings.batches,
      seed: settings.seed,
      maxPlotValues: settings.maxPlotValues,
    });
    const result: RunStatistics = {
      run: label ?? path.basename(path.resolve(runDir)),
      steps: step,
      dataset: evaluationName,
      settings,
      blocks: blockStatisticsToJson(blocks),
    };
    writeRunJson(runStatisticsFile(runDir), result);
    return result;
  } finally {
    model.dispose();
  }
}

/** The saved statistics of a run, or null when it has none. */
export function readRunStatistics(runDir: string): RunStatistics | null {
  const file = runStatisticsFile(runDir);
  return fs.existsSync(file) ? readRunJson<RunStatistics>(file) : null;
}
