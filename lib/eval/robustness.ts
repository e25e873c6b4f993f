import { ImageDataset } from '../data/dataset';
import { extractFeatures, FeatureKind, featuresOfBlock, FrozenBlockwiseModel, ImageTransform } from './features';
import { FittedLinearProbe, fitLinearProbe, LinearProbeConfig } from './linear-probe';

/** A representation whose robustness is measured: `kind` features of `blocks` (0-based) of `model`. */
export interface RobustnessRepresentation {
  kind: FeatureKind;
  model: FrozenBlockwiseModel;
  blocks: readonly number[];
}

/** The corrupted copy of the held-out images for a corruption and severity (generated, or read from ImageNet-C). */
export type CorruptedImages = (corruption: string, severity: number) => Promise<ImageDataset>;

export interface CorruptionRobustnessOptions {
  corruptions: readonly string[];
  /** Severities, each in 1-5. */
  severities: readonly number[];
  corrupted: CorruptedImages;
  /** The linear probe, trained once per representation and block on the clean training features. */
  probe: LinearProbeConfig;
  /** Evaluation transform of every image set (clean and corrupted), e.g. `evaluationTransform`. */
  transform?: ImageTransform;
  /** Images per forward pass. */
  batchSize?: number;
  /** Called after each scored set (`'clean'` at severity 0 first), with the sets done and their total. */
  onProgress?: (progress: { corruption: string; severity: number; done: number; total: number }) => void;
}

/** One score of a probe: top-1 / top-5 on the clean held-out images (`corruption` `'clean'`, `severity` 0) or a corrupted copy. */
export interface RobustnessResult {
  kind: FeatureKind;
  /** 0-based block of the representation's model. */
  block: number;
  corruption: string;
  severity: number;
  top1: number;
  top5: number | null;
}

/**
 * Robustness to common corruptions (paper, Appendix C, Fig. 15): for every representation and block, a linear probe
 * trained on the clean features of `train` and scored, unchanged, on the clean held-out images `clean` and on their
 * corrupted copies (every corruption at every severity). Each corrupted set is made (or read) once and scored with
 * every probe. Models are in eval mode (running batch-norm statistics, no noise).
 *
 *     const rows = await corruptionRobustness([{ kind: 'gsp', model, blocks: [3] }], train, heldOut, {
 *       corruptions: ['fog'], severities: [1, 2, 3, 4, 5], corrupted: (c, s) => corruptedDataset(heldOut, c, s, { seed: 0 }), probe: { epochs: 30 },
 *     });
 */
export async function corruptionRobustness(
  representations: readonly RobustnessRepresentation[],
  train: ImageDataset,
  clean: ImageDataset,
  { corruptions, severities, corrupted, probe, transform, batchSize = 256, onProgress }: CorruptionRobustnessOptions,
): Promise<RobustnessResult[]> {
  if (representations.length === 0) throw new Error('corruptionRobustness: no representations to measure');
  if (corruptions.length === 0 || severities.length === 0) throw new Error('corruptionRobustness: needs at least one corruption and one severity');
  for (const s of severities) if (!(Number.isInteger(s) && s >= 1 && s <= 5)) throw new Error(`corruptionRobustness: severity ${s} is not an integer in 1-5`);
  if (clean.classNames.length !== train.classNames.length) {
    throw new Error(`corruptionRobustness: ${train.name} has ${train.classNames.length} classes, ${clean.name} ${clean.classNames.length}`);
  }
  const extract = (r: RobustnessRepresentation, set: ImageDataset) => extractFeatures(r.model, set, { kind: r.kind, blocks: r.blocks, batchSize, transform });
  const probes: FittedLinearProbe[][] = [];
  const rows: RobustnessResult[] = [];
  const total = 1 + corruptions.length * severities.length;
  let done = 0;
  try {
    for (const r of representations) {
      const features = await extract(r, train);
      const fitted: FittedLinearProbe[] = [];
      probes.push(fitted);
      r.blocks.forEach((block, i) => fitted.push(fitLinearProbe(featuresOfBlock(features, i), features.classCount, probe, block)));
    }
    const score = async (set: ImageDataset, corruption: string, severity: number): Promise<void> => {
      if (set.size === 0) throw new Error(`corruptionRobustness: ${set.name} (${corruption}, severity ${severity}) has no images`);
      if (set.classNames.length !== train.classNames.length) {
        throw new Error(`corruptionRobustness: ${set.name} has ${set.classNames.length} classes, the probes ${train.classNames.length}`);
      }
      for (const [k, r] of representations.entries()) {
        const features = await extract(r, set);
        r.blocks.forEach((block, i) => rows.push({ kind: r.kind, block, corruption, severity, ...probes[k][i].score(featuresOfBlock(features, i)) }));
      }
      onProgress?.({ corruption, severity, done: ++done, total });
    };
    await score(clean, 'clean', 0);
    for (const c of corruptions) {
      for (const s of severities) await score(await corrupted(c, s), c, s);
    }
    return rows;
  } finally {
    for (const p of probes.flat()) p.dispose();
  }
}

/** A corruption's error over its severities: mean and standard deviation (Bessel's, n - 1) of the top-1 error in %. */
export interface CorruptionError {
  corruption: string;
  /** Mean top-1 error over the severities, in %. */
  error: number;
  /** Standard deviation of the error over the severities (n - 1; 0 for one severity), in %: Fig. 15's error bars. */
  std: number;
  severities: number;
}

/** `corruptionErrors`' answer: per corruption, the mean over them, and the clean error beside them. */
export interface CorruptionErrorTable {
  corruptions: CorruptionError[];
  /** Mean of the per-corruption errors (every corruption weighs the same): the paper's "mean error". */
  meanError: number;
  /** Top-1 error on the clean held-out images, in %; null when the rows have no clean score. */
  cleanError: number | null;
}

/**
 * Fig. 15's numbers from one probe's scores (`RobustnessResult`s of one representation and block, or rows read back
 * from `robustness.csv`): top-1 error in % per corruption averaged over its severities, with the standard deviation
 * over the severities, the mean error over corruptions, and the clean error. Corruptions come in the order they first
 * appear; a corruption scored twice at one severity is an error.
 */
export function corruptionErrors(rows: readonly Pick<RobustnessResult, 'corruption' | 'severity' | 'top1'>[]): CorruptionErrorTable {
  const bySeverity = new Map<string, Map<number, number>>();
  let cleanError: number | null = null;
  for (const r of rows) {
    const error = 100 * (1 - r.top1);
    if (r.corruption === 'clean') {
      if (cleanError !== null) throw new Error('corruptionErrors: two clean scores');
      cleanError = error;
      continue;
    }
    const m = bySeverity.get(r.corruption) ?? new Map<number, number>();
    if (m.has(r.severity)) throw new Error(`corruptionErrors: ${r.corruption} is scored twice at severity ${r.severity}`);
    m.set(r.severity, error);
    bySeverity.set(r.corruption, m);
  }
  if (bySeverity.size === 0) throw new Error('corruptionErrors: no corrupted scores');
  const corruptions = [...bySeverity].map(([corruption, m]) => {
    const errors = [...m.values()];
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    const std = errors.length > 1 ? Math.sqrt(errors.reduce((a, e) => a + (e - mean) ** 2, 0) / (errors.length - 1)) : 0;
    return { corruption, error: mean, std, severities: errors.length };
  });
  const meanError = corruptions.reduce((a, c) => a + c.error, 0) / corruptions.length;
  return { corruptions, meanError, cleanError };
}
