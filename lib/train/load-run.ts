import * as fs from 'fs';
import { BlockwiseSslModel } from './blockwise-ssl-model';
import { buildModel } from './build-model';
import { checkTrainConfigKeys } from './config-schema';
import { checkpointFile, listCheckpoints, readCheckpoint, restoreVariables } from './checkpoint';
import { withCropInterpolation } from '../data/views';
import { readRunJson, runPaths } from './run-folder';
import { ResolvedTrainConfig } from './train-config';

/** The resolved config a run folder was trained with (`config.json`), its crops' interpolation named. */
export function readRunConfig(runDir: string): ResolvedTrainConfig {
  const file = runPaths(runDir).config;
  if (!fs.existsSync(file)) throw new Error(`readRunConfig: ${runDir} is not a run folder (no config.json)`);
  const config = readRunJson<ResolvedTrainConfig>(file);
  checkTrainConfigKeys(config, file);
  // Configs written before the crop's interpolation was recorded were bilinear.
  return { ...config, data: { ...config.data, views: withCropInterpolation(config.data.views) } };
}

/** The checkpoint file of a run after `step` steps, or its newest one; throws when there is none. */
export function runCheckpointFile(runDir: string, step?: number): { step: number; file: string } {
  const dir = runPaths(runDir).checkpoints;
  if (step !== undefined) {
    const file = checkpointFile(dir, step);
    if (!fs.existsSync(file)) throw new Error(`runCheckpointFile: ${runDir} has no checkpoint after ${step} steps (${file})`);
    return { step, file };
  }
  const all = listCheckpoints(dir);
  if (all.length === 0) throw new Error(`runCheckpointFile: ${runDir} has no checkpoint yet`);
  return all[all.length - 1];
}

/**
 * A trained model from a run folder: the model its config describes, with the weights of its checkpoint
 * after `step` steps (default: the newest). For probes and analyses; the caller disposes the model.
 */
export async function loadRunModel(runDir: string, { step }: { step?: number } = {}): Promise<{ model: BlockwiseSslModel; config: ResolvedTrainConfig; step: number }> {
  const config = readRunConfig(runDir);
  const found = runCheckpointFile(runDir, step);
  const checkpoint = await readCheckpoint(found.file);
  const model = buildModel(config);
  try {
    restoreVariables([...model.parameters(), ...model.buffers()], checkpoint.weights, { source: found.file });
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, config, step: found.step };
}
