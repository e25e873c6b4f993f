import { FeatureKind } from '../eval/features';
import { ProbeSettings, Scale, SCALES } from '../experiments/preset';
import { scaleSettings } from '../experiments/scales';
import { OptionSpec, OptionValue } from './args';

/** The options that change how a run is probed (shared by train, resume and probe). */
export const PROBE_OPTIONS: OptionSpec[] = [
  { name: 'features', kind: 'list', choices: ['head', 'gsp'], placeholder: 'head,gsp', description: 'representations probed: pooling-head output and/or GSP of the block output' },
  { name: 'probe-epochs', kind: 'int', placeholder: 'N', description: 'epochs of the linear probe' },
  { name: 'train-images', kind: 'int', placeholder: 'N', description: 'training images the probes learn from (0: all)' },
  { name: 'eval-images', kind: 'int', placeholder: 'N', description: 'held-out images the probes are scored on (0: all)' },
  { name: 'no-knn', kind: 'flag', description: 'skip the kNN probe (k 20, T 0.07)' },
];

/** The scale option: which preset scale, and whose probe settings. */
export const SCALE_OPTION: OptionSpec = { name: 'scale', kind: 'string', choices: SCALES, placeholder: 'SCALE', description: 'preset scale: smoke, cpu (default), cifar10-long or paper' };

/** `base` (default: the scale's probe settings) with the probe options applied. */
export function probeSettingsFrom(options: Record<string, OptionValue>, base?: ProbeSettings): ProbeSettings {
  const settings: ProbeSettings = { ...(base ?? scaleSettings((options.scale as Scale | undefined) ?? 'cpu').probe) };
  if (options.features !== undefined) settings.features = options.features as FeatureKind[];
  if (options['probe-epochs'] !== undefined) {
    const epochs = options['probe-epochs'] as number;
    if (epochs < 1) throw new Error('--probe-epochs must be at least 1');
    settings.linear = settings.linear.map((l) => ({ ...l, epochs }));
  }
  if (options['train-images'] !== undefined) settings.trainImages = (options['train-images'] as number) || null;
  if (options['eval-images'] !== undefined) settings.evalImages = (options['eval-images'] as number) || null;
  if (options['no-knn']) settings.knn = null;
  return settings;
}
