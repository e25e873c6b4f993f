import { appendMetrics, rowBlockLosses, runPaths, StepMetrics, truncateMetrics } from './run-folder';
import { ScalarWriter, truncateEventFiles } from './tensorboard';

/** The TensorBoard tag prefix of probe accuracies (`probe/<features>/block<k>/<probe>`), which resuming keeps. */
export const PROBE_TAG_PREFIX = 'probe/';

/** The TensorBoard tag of a probe's top-1 accuracy: `probe/<features>/block<k>/<probe>` (block 1-based). */
export function probeTag(features: string, block: number, probe: string): string {
  return `${PROBE_TAG_PREFIX}${features}/block${block}/${probe}`;
}

/**
 * The TensorBoard scalars of a training step: `loss/block<k>` (blocks with a loss this step), `loss/total`, `lr`
 * and `images_per_second`.
 */
export function stepScalars(m: StepMetrics): Record<string, number> {
  const scalars: Record<string, number> = {};
  rowBlockLosses(m).forEach((l, i) => {
    if (l !== null) scalars[`loss/block${i + 1}`] = l;
  });
  scalars['loss/total'] = m.loss;
  scalars.lr = m.lr;
  scalars.images_per_second = m.imagesPerSecond;
  return scalars;
}

/** Where a training process writes its per-step metrics: `metrics.jsonl` and the TensorBoard scalars beside it. */
export interface RunMetricsLog {
  append(m: StepMetrics): void;
}

/**
 * Opens a run folder's metrics for a process that trains from `step` on: the steps `>= step` a killed or stopped
 * process had written go from `metrics.jsonl` (`truncateMetrics`) and from the training scalars of its event files
 * (probe accuracies stay, as `probes.csv` keeps its rows), so the resumed run writes each step once. The scalars of
 * this process go to a new event file (TensorBoard merges a folder's files by step).
 */
export function openRunMetrics(runDir: string, step: number): RunMetricsLog {
  const paths = runPaths(runDir);
  truncateMetrics(paths.dir, step);
  truncateEventFiles(paths.dir, step, (tag) => !tag.startsWith(PROBE_TAG_PREFIX));
  const scalars = new ScalarWriter(paths.dir);
  return {
    append(m: StepMetrics): void {
      appendMetrics(paths.metrics, m);
      scalars.write(m.step, stepScalars(m), Date.parse(m.time) / 1000);
    },
  };
}
