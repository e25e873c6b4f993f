import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module';

/** One stored tensor: its shape (tfjs layout) and its values, row-major. */
export interface WeightEntry {
  shape: number[];
  data: ArrayLike<number>;
}

/**
 * Parameters and buffers by PyTorch-style name (`layer1.0.conv1.weight`): the JSON-friendly form in which
 * fixtures and checkpoints store a module's state.
 */
export type WeightDict = Record<string, WeightEntry>;

/**
 * Copies a weight dict into a module's parameters and buffers, by name. Every entry's shape must equal the
 * variable's. With `strict` (the default) the names must match exactly; otherwise the names on one side only
 * are skipped and returned, as PyTorch's `load_state_dict(strict=False)` does.
 */
export function loadWeights(
  module: Module,
  dict: WeightDict,
  { strict = true }: { strict?: boolean } = {},
): { missing: string[]; unexpected: string[] } {
  const vars = [...module.parameters(), ...module.buffers()];
  const names = new Set(vars.map((v) => v.name));
  const missing = vars.map((v) => v.name).filter((n) => !(n in dict));
  const unexpected = Object.keys(dict).filter((n) => !names.has(n));
  if (strict && (missing.length > 0 || unexpected.length > 0)) {
    throw new Error(`loadWeights: missing [${missing.join(', ')}], unexpected [${unexpected.join(', ')}]`);
  }
  for (const { name, variable } of vars) {
    const entry = dict[name];
    if (entry === undefined) continue;
    if (!tf.util.arraysEqual(entry.shape, variable.shape)) {
      throw new Error(`loadWeights: '${name}' has shape [${entry.shape}] in the dict, [${variable.shape}] in the module`);
    }
    const size = tf.util.sizeFromShape(entry.shape);
    if (entry.data.length !== size) {
      throw new Error(`loadWeights: '${name}' has ${entry.data.length} values for shape [${entry.shape}] (${size})`);
    }
  }
  tf.tidy(() => {
    for (const { name, variable } of vars) {
      const entry = dict[name];
      if (entry !== undefined) variable.assign(tf.tensor(Array.from(entry.data), entry.shape, variable.dtype));
    }
  });
  return { missing, unexpected };
}

/** A module's parameters and buffers as a weight dict (plain arrays, ready for JSON). */
export async function weightDict(module: Module): Promise<WeightDict> {
  const dict: WeightDict = {};
  for (const { name, variable } of [...module.parameters(), ...module.buffers()]) {
    dict[name] = { shape: [...variable.shape], data: Array.from(await variable.data()) };
  }
  return dict;
}
