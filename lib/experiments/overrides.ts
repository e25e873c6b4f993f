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

/** Splits `a=1,b=[1,2],c=x` at the commas outside brackets and quotes: `['a=1', 'b=[1,2]', 'c=x']`. */
function splitAssignments(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (ch === '[' || ch === '{') depth++;
    if (ch === ']' || ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/**
 * The training-config change written as `key=value` assignments with dotted keys, comma-separated:
 * `'optimizer.eta=0.02,model.noise.sigma=0'` -> `{ optimizer: { eta: 0.02 }, model: { noise: { sigma: 0 } } }`. A
 * value is read as JSON (numbers, booleans, null, arrays, objects, quoted strings), else taken as a string
 * (`crop.interpolation=bicubic`). Every key is checked against `TrainConfig` (a misspelt one names the closest) and
 * every value's type with it; a key given twice, or both as a value and as a parent of another key, is an error.
 */
export function runOverridesFromAssignments(text: string, source = 'runOverridesFromAssignments'): DeepPartial<TrainConfig> {
  const assignments = splitAssignments(text);
  if (assignments.length === 0) throw new Error(`${source}: no key=value assignment in '${text}'`);
  const out: Record<string, unknown> = {};
  const seen: string[] = [];
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new Error(`${source}: '${a}' is not a key=value assignment (e.g. optimizer.eta=0.02)`);
    const key = a.slice(0, eq).trim();
    const raw = a.slice(eq + 1).trim();
    const path = key.split('.');
    if (path.some((k) => k === '')) throw new Error(`${source}: '${key}' is not a dotted config key (e.g. model.noise.sigma)`);
    const clash = seen.find((k) => k === key || k.startsWith(`${key}.`) || key.startsWith(`${k}.`));
    if (clash !== undefined) throw new Error(`${source}: ${key} is set twice (${clash === key ? 'again' : `with ${clash}`})`);
    seen.push(key);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    let node = out;
    for (const k of path.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]] = value;
  }
  checkTrainConfigKeys(out, source, { partial: true });
  return out as DeepPartial<TrainConfig>;
}
