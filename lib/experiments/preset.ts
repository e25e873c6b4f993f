import { FeatureKind } from '../eval/features';
import { KnnConfig } from '../eval/knn';
import { LinearProbeConfig } from '../eval/linear-probe';
import { TrainConfig } from '../train/train-config';
import { DatasetSource } from '../data/dataset-source';
import type { Claim } from './claims';
import type { FIGURES } from './presets';
import type { RobustnessSettings } from './robustness';

/**
 * How big an experiment is:
 * - `'smoke'`: a tiny model for a handful of steps on a few images, so CI runs a whole figure in seconds; its
 *   numbers mean nothing.
 * - `'cpu'`: a real, scaled-down reproduction (narrow CIFAR-stem ResNet on Fashion-MNIST or CIFAR-10) that fits a
 *   2-core machine: one run in 5-20 minutes, a whole figure within about 3 hours.
 * - `'cifar10-long'`: the CPU scale's model on CIFAR-10 trained ten times longer (20 epochs per run, 16x16 views),
 *   so that the paper's contrasts can leave seed noise; a figure takes two one-thread background lanes about 4 hours.
 * - `'paper'`: the paper's settings (ResNet-50 on ImageNet, batch 2048, 300 epochs); needs a GPU backend.
 */
export type Scale = 'smoke' | 'cpu' | 'cifar10-long' | 'paper';

/** Every `Scale`, smallest first. */
export const SCALES: readonly Scale[] = ['smoke', 'cpu', 'cifar10-long', 'paper'];

/**
 * The paper's figures that train or evaluate models (Figs. 1-3 are diagrams; Fig. 15 scores Fig. 4's end-to-end and
 * best blockwise models on corrupted images), plus `'noise'`, the Sec. 5 noise ablation that the paper reports in the
 * text: the keys of `FIGURES`, so a figure is named where its preset builder is registered.
 */
export type FigureId = keyof typeof FIGURES;

/**
 * A figure of the paper: its preset at each scale, and the paper's claims (with the paper's numbers) that its runs
 * test. Both live in the figure's file under `figures/`; `FIGURES` registers it.
 */
export interface FigureDefinition {
  preset: (scale: Scale) => ExperimentPreset;
  claims: readonly Claim[];
}

/** A top-1 accuracy (%) the paper publishes for a run at a block (1-based, as in the paper). */
export interface PaperAccuracy {
  block: number;
  accuracy: number;
}

/**
 * One trained model of an experiment: a `TrainConfig` under a label (its folder name and its legend entry).
 * `init.run` may name another run of the same preset by its label (Fig. 7 plugs the first block of the
 * end-to-end run into sequential training); that run is trained first.
 */
export interface ExperimentRun {
  /** Folder name and legend key: lowercase letters, digits and dashes. */
  label: string;
  /** What the run is, for tables and legends, e.g. `'simultaneous blockwise, CbE+GSP, noise 0.25'`. */
  description: string;
  config: TrainConfig;
  /**
   * Probe the model at its seeded initial weights, without training (the random-network baseline that every
   * head-feature result needs at CPU scale: a random CbE head alone already gives a strong probe). Its batch-norm
   * running statistics are the initial ones (mean 0, variance 1).
   */
  untrained?: boolean;
  /** Backbone stages (0-based) whose features are probed; default every stage. */
  probeStages?: number[];
  /**
   * Epochs at which the run's kept checkpoints are probed too, once it completes (`probeRunEpochs`), for accuracy
   * against training time. Epoch e is e epochs into the run's last phase (`epochCheckpointStep`): e epochs of
   * training for one-phase methods; for a sequential run, every lower block fully trained and the last block
   * trained for e epochs. The run must keep a checkpoint there (`checkpoint.keep`, epoch-end checkpoints).
   */
  probeEpochs?: number[];
  /** The paper's published accuracies for this run. */
  paper?: PaperAccuracy[];
}

/** A linear probe of `ProbeSettings`: a name for the results and the optimisation (see `LinearProbeConfig`). */
export interface LinearProbeSpec extends Omit<LinearProbeConfig, 'onEpoch'> {
  /** Name in the results' `probe` column, e.g. `'linear'` or `'linear-lr0.3'`. */
  name: string;
  /**
   * Train with a fresh random resized crop and flip of every image every epoch (the paper's protocol, one
   * backbone pass per image and epoch) instead of on features computed once. Default false.
   */
  augmented?: boolean;
}

/**
 * How the runs of an experiment are probed. Each representation in `features` is probed at every backbone
 * stage (`'gsp'`: the global spatial average of the stage output) or at every training block (`'head'`: the
 * block's pooling-head output, reported at the block's last stage; an end-to-end run has one block, so one
 * head row, at the last stage). Probes train on (a seeded subset of) the run's training split and report
 * top-1 on (a subset of) its validation split, both in eval mode (running batch-norm statistics, no noise).
 */
export interface ProbeSettings {
  features: FeatureKind[];
  linear: LinearProbeSpec[];
  /** The weighted kNN probe (k 20, T 0.07 by default); null: none. */
  knn: KnnConfig | null;
  /** Training-split images the probes train on (a seeded subset); null: all of them. */
  trainImages: number | null;
  /** Validation images the probes are scored on (a seeded subset); null: all of them. */
  evalImages: number | null;
  /** Images per forward pass when extracting features. */
  batchSize: number;
  /**
   * Fraction of the shorter side kept by the evaluation centre crop before resizing to the training view size
   * (torchvision's Resize(256) + CenterCrop(224) is 0.875); 1 keeps the whole image.
   */
  evalCropFraction: number;
  /** Seed of the subsets and the probes. */
  seed: number;
}

/**
 * The statistics of the paper's Fig. 8 violins: per backbone stage, the on- and off-diagonal terms of the Barlow
 * Twins cross-correlation matrix of two augmented views' GSP features (no head, no projector), averaged over
 * `batches` batches of validation images; saved as `statistics.json` in each run's folder.
 */
export interface StatisticsSettings {
  /** Labels of the runs measured; default every run. */
  runs?: string[];
  /** Images per cross-correlation matrix (the N of c). */
  batchSize: number;
  /** Matrices averaged over. */
  batches: number;
  /** Off-diagonal values kept per block for plotting (a seeded subset; summaries use all). */
  maxPlotValues: number;
  seed: number;
}

/**
 * One figure of the paper at one scale, as a plain object a notebook or the CLI can print, diff and override
 * (`withOverrides`): the runs to train, how to probe them, and what the paper found.
 */
export interface ExperimentPreset {
  figure: FigureId;
  scale: Scale;
  title: string;
  /** What the paper found, in words, with its numbers where it publishes them. */
  finding: string;
  /** Where the images come from; every run trains on its training split (`TrainConfig.data.validationFraction`). */
  dataset: DatasetSource;
  /**
   * Where the probes are scored (ImageNet's validation set at paper scale; the training set's class order); null:
   * the validation split the runs held out.
   */
  evalDataset: DatasetSource | null;
  runs: ExperimentRun[];
  /** Every run is trained once per seed (the run config's `seed` is replaced). */
  seeds: number[];
  probe: ProbeSettings;
  /** Fig. 8 statistics; null: none. */
  statistics: StatisticsSettings | null;
  /** Fig. 15's robustness to common corruptions, of every run (`robustness.csv`); absent or null: none. */
  robustness?: RobustnessSettings | null;
  /** What this scale changes from the paper's setting and why, for the notebooks and `reproduce --help`. */
  notes: string;
}
