import { checkTrainConfigKeys } from '../train/config-schema';
import { TrainConfig } from '../train/train-config';
import { ExperimentPreset } from './preset';

/**
 * A partial of `T` at every depth; arrays are replaced whole, so they are given whole. The shape a notebook or the
 * command line uses to change a preset.
 */
export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)])) as T;
  return v;
}

/**
 * `base` with `overrides` merged in, as a new object (neither input changes): plain objects merge key by key,
 * anything else (numbers, strings, arrays, null) replaces; an `undefined` override leaves the value as it was.
 *
 *     withOverrides(preset('fig4', 'cpu'), { seeds: [0, 1, 2], probe: { knn: null } });
 */
export function withOverrides<T>(base: T, overrides: DeepPartial<T>): T {
  if (overrides === undefined) return clone(base);
  if (!isPlainObject(base) || !isPlainObject(overrides)) return clone(overrides as T);
  const out: Record<string, unknown> = clone(base);
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    out[k] = k in out ? withOverrides(out[k], v as DeepPartial<unknown>) : clone(v);
  }
  return out as T;
}

/**
 * `preset` with `overrides` merged into the training config of every run (or of the runs named in `labels`),
 * e.g. a shorter schedule for a trial: `withRunOverrides(p, { data: { steps: 50 } })`. A run whose config gives
 * `data.epochs` keeps it, but `data.steps`, when set, wins over epochs.
 */
export function withRunOverrides(preset: ExperimentPreset, overrides: DeepPartial<TrainConfig>, labels?: readonly string[]): ExperimentPreset {
  const unknown = (labels ?? []).filter((l) => !preset.runs.some((r) => r.label === l));
  if (unknown.length > 0) {
    throw new Error(`withRunOverrides: ${preset.figure} has no run ${unknown.map((l) => `'${l}'`).join(', ')} (runs: ${preset.runs.map((r) => r.label).join(', ')})`);
  }
  checkTrainConfigKeys(overrides, 'withRunOverrides', { partial: true });
  return {
    ...clone(preset),
    runs: preset.runs.map((r) => (labels === undefined || labels.includes(r.label) ? { ...clone(r), config: withOverrides<TrainConfig>(r.config, overrides) } : clone(r))),
  };
}
