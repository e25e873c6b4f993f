import { HeadSpec } from '../blockwise/create-head';
import { FeatureNoiseConfig } from '../blockwise/noise';
import { CROP_INTERPOLATIONS } from '../data/augmentations/crop-resize';
import { ChannelStats } from '../data/normalization';
import { TwoViewRecipe, ViewRecipe } from '../data/views';
import { ResNetConfig } from '../nn/resnet';
import { AdamConfig } from '../optim/adam';
import { suggestion } from '../util/suggestion';
import { BlockLossSpec } from './block-loss';
import { RoutingScheme } from './difficulty-routing';
import { CheckpointConfig, DataConfig, InitFromRun, ModelConfig, OptimizerConfig, OptimizerKind, TrainConfig } from './train-config';

/**
 * The shape of a `TrainConfig` at run time, to check a config read from JSON (a `--config` file, a run folder's
 * `config.json`, a notebook's overrides) before it is used: a misspelt key (`learningRate`, `data.batchsize`)
 * would otherwise be ignored silently and the run trained with the default. The schema is typed against the
 * interfaces, so adding a field to one of them without adding it here does not compile.
 */
type Schema =
  | { type: 'number' | 'string' | 'boolean' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'array'; of: Schema; length?: number }
  | ObjectSchema
  | { type: 'tagged'; variants: Record<string, ObjectSchema> }
  | { type: 'nullable'; of: Schema }
  | { type: 'oneOrArray'; of: Schema };

interface ObjectSchema {
  type: 'object';
  fields: Record<string, Schema>;
  required: readonly string[];
}

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type Fields<T> = { [K in keyof T]-?: Schema };

const num: Schema = { type: 'number' };
const str: Schema = { type: 'string' };
const bool: Schema = { type: 'boolean' };
const oneOf = (values: readonly string[]): Schema => ({ type: 'enum', values });
const arrayOf = (of: Schema, length?: number): Schema => ({ type: 'array', of, ...(length !== undefined ? { length } : {}) });
const nullable = (of: Schema): Schema => ({ type: 'nullable', of });
const oneOrArray = (of: Schema): Schema => ({ type: 'oneOrArray', of });
function obj<T>(fields: Fields<T>, required: readonly RequiredKeys<T>[]): ObjectSchema {
  return { type: 'object', fields, required: required as readonly string[] };
}
/** A union of objects told apart by `kind`: for each kind, the other fields. */
function tagged<T extends { kind: string }>(variants: { [V in T['kind']]: ObjectSchema }): Schema {
  return { type: 'tagged', variants };
}
function variant<T>(fields: Fields<Omit<T, 'kind'>>, required: readonly RequiredKeys<Omit<T, 'kind'>>[] = []): ObjectSchema {
  return { type: 'object', fields: { kind: str, ...fields }, required: ['kind', ...(required as readonly string[])] };
}
type Kind<T, K> = Extract<T, { kind: K }>;

const backbone = obj<ResNetConfig>(
  { block: oneOf(['basic', 'bottleneck']), blocksPerStage: arrayOf(num), widths: arrayOf(num), stem: oneOf(['imagenet', 'cifar']), stemWidth: num, inChannels: num, numClasses: nullable(num), zeroInitResidual: bool },
  ['block', 'blocksPerStage', 'widths', 'stem', 'stemWidth', 'numClasses'],
);
const head = tagged<HeadSpec>({
  gsp: variant<Kind<HeadSpec, 'gsp'>>({}),
  lsp: variant<Kind<HeadSpec, 'lsp'>>({ outDim: num, grid: arrayOf(num, 2) }),
  cbe: variant<Kind<HeadSpec, 'cbe'>>({ outChannels: num, kernelSize: num, groups: num, pooling: oneOf(['average', 'l2', 'sqrt']), eps: num }),
});
const noise = obj<FeatureNoiseConfig>({ sigma: num, variant: oneOf(['element', 'spatial']), detachStd: bool }, ['sigma']);
const model = obj<Partial<ModelConfig>>({ backbone, partition: arrayOf(arrayOf(num)), noise, head: oneOrArray(head), projector: arrayOf(num), identicalProjectors: bool }, []);

const loss = tagged<BlockLossSpec>({
  'barlow-twins': variant<Kind<BlockLossSpec, 'barlow-twins'>>({ lambda: num, invarianceTarget: num, eps: num }),
  vicreg: variant<Kind<BlockLossSpec, 'vicreg'>>({ simCoeff: num, stdCoeff: num, covCoeff: num }),
  'nt-xent': variant<Kind<BlockLossSpec, 'nt-xent'>>({ temperature: num }),
  'cross-entropy': variant<Kind<BlockLossSpec, 'cross-entropy'>>({}),
});

const adam = obj<AdamConfig>({ beta1: num, beta2: num, eps: num, weightDecay: num, decoupled: bool }, []);
const optimizer = obj<Partial<OptimizerConfig>>({ kind: oneOf(['lars', 'adam'] satisfies OptimizerKind[]), adam, baseLr: num, warmupEpochs: num, finalLrFraction: num, momentum: num, eta: num, weightDecay: num, biasLrMultiplier: num }, []);

const range = arrayOf(num, 2);
const view = obj<ViewRecipe>(
  {
    crop: obj<ViewRecipe['crop']>({ size: num, scale: range, ratio: range, interpolation: oneOf(CROP_INTERPOLATIONS) }, ['size', 'scale', 'ratio']),
    flip: num,
    colorJitter: obj<ViewRecipe['colorJitter']>({ brightness: num, contrast: num, saturation: num, hue: num, p: num }, ['brightness', 'contrast', 'saturation', 'hue', 'p']),
    grayscale: num,
    blur: obj<ViewRecipe['blur']>({ p: num, sigma: range }, ['p', 'sigma']),
    solarize: obj<ViewRecipe['solarize']>({ p: num, threshold: num }, ['p', 'threshold']),
    normalize: nullable(obj<ChannelStats>({ mean: arrayOf(num), std: arrayOf(num) }, ['mean', 'std'])),
  },
  ['crop', 'flip', 'colorJitter', 'grayscale', 'blur', 'solarize', 'normalize'],
);
const views = obj<TwoViewRecipe>({ view1: view, view2: view }, ['view1', 'view2']);
const data = obj<Partial<DataConfig>>({ dataset: str, validationFraction: num, splitSeed: num, views: oneOrArray(views), batchSize: num, epochs: num, steps: num }, []);

const init = nullable(obj<InitFromRun>({ run: str, blocks: arrayOf(num), step: num }, ['run', 'blocks']));
const routing = nullable(
  tagged<RoutingScheme>({
    'train-all-below': variant<Kind<RoutingScheme, 'train-all-below'>>({}),
    weighted: variant<Kind<RoutingScheme, 'weighted'>>({ otherWeight: num }, ['otherWeight']),
  }),
);
const checkpoint = obj<Partial<CheckpointConfig>>({ everySteps: nullable(num), keep: num }, []);

const TRAIN_CONFIG = obj<TrainConfig>(
  {
    // resolveTrainConfig names a wrong method, frozen mode or backward pass itself.
    method: str,
    model,
    loss: oneOrArray(loss),
    optimizer,
    data,
    trainBlocks: arrayOf(num),
    frozenMode: str,
    init,
    routing,
    backward: str,
    seed: num,
    checkpoint,
  },
  ['method'],
);

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The first mistake in `value` against `schema` at `where` (a key path such as `data.views.view1`), or null. */
function mistake(value: unknown, schema: Schema, where: string, partial: boolean): string | null {
  const at = where === '' ? 'the config' : where;
  switch (schema.type) {
    case 'number':
      return typeof value === 'number' ? null : `${at} must be a number, got ${describeValue(value)}`;
    case 'string':
    case 'boolean':
      return typeof value === schema.type ? null : `${at} must be a ${schema.type}, got ${describeValue(value)}`;
    case 'enum':
      return typeof value === 'string' && schema.values.includes(value)
        ? null
        : `${at} must be one of ${schema.values.map((v) => `'${v}'`).join(', ')}, got ${describeValue(value)}${typeof value === 'string' ? suggestion(value, schema.values) : ''}`;
    case 'nullable':
      return value === null ? null : mistake(value, schema.of, where, partial);
    case 'oneOrArray':
      return Array.isArray(value) ? mistake(value, arrayOf(schema.of), where, partial) : mistake(value, schema.of, where, partial);
    case 'array': {
      if (!Array.isArray(value)) return `${at} must be an array, got ${describeValue(value)}`;
      if (schema.length !== undefined && value.length !== schema.length) return `${at} must have ${schema.length} elements, got ${value.length}`;
      for (let i = 0; i < value.length; i++) {
        const m = mistake(value[i], schema.of, `${where}[${i}]`, false);
        if (m !== null) return m;
      }
      return null;
    }
    case 'tagged': {
      if (!isObject(value)) return `${at} must be an object, got ${describeValue(value)}`;
      const kinds = Object.keys(schema.variants);
      if (value.kind === undefined && partial) {
        // An override merged into a preset's spec may leave the kind as it was: any kind's fields are allowed.
        const fields = Object.assign({}, ...kinds.map((k) => schema.variants[k].fields)) as Record<string, Schema>;
        return mistake(value, { type: 'object', fields, required: [] }, where, partial);
      }
      const kind = value.kind;
      if (typeof kind !== 'string' || !kinds.includes(kind)) {
        return `${where === '' ? '' : `${where}.`}kind must be one of ${kinds.map((k) => `'${k}'`).join(', ')}, got ${describeValue(kind)}${typeof kind === 'string' ? suggestion(kind, kinds) : ''}`;
      }
      return mistake(value, schema.variants[kind], where, partial);
    }
    case 'object': {
      if (!isObject(value)) return `${at} must be an object, got ${describeValue(value)}`;
      const known = Object.keys(schema.fields);
      const prefix = where === '' ? '' : `${where}.`;
      for (const [k, v] of Object.entries(value)) {
        if (!known.includes(k)) {
          const hint = suggestion(k, known).replace(/did you mean (\S+)\?/, `did you mean ${prefix}$1?`);
          return `${prefix}${k} is not a setting${where === '' ? '' : ` of ${where}`}${hint}; known: ${known.join(', ')}`;
        }
        // An absent optional value may be written as undefined by code (never by JSON).
        if (v === undefined) continue;
        const m = mistake(v, schema.fields[k], `${prefix}${k}`, partial);
        if (m !== null) return m;
      }
      if (!partial) {
        const missing = schema.required.filter((k) => value[k] === undefined);
        if (missing.length > 0) return `${at} lacks ${missing.map((k) => `${prefix}${k}`).join(', ')}`;
      }
      return null;
    }
  }
}

/**
 * Checks that `config` is a `TrainConfig` (or, with `partial`, a part of one to merge into a preset's: no key is
 * required): every key known at every depth (a misspelt one names the closest: "did you mean data.batchSize?") and
 * every value of its type (a number given as a string is named as such). Value ranges are `resolveTrainConfig`'s.
 * Throws `<source>: <mistake>`, where `source` names the file or the caller.
 */
export function checkTrainConfigKeys(config: unknown, source: string, { partial = false } = {}): void {
  const m = mistake(config, TRAIN_CONFIG, '', partial);
  if (m !== null) throw new Error(`${source}: ${m}`);
}
