import * as fs from 'fs';
import { describeBackend, initBackend } from '../backend/init-backend';
import { blockAccuracyFigure } from '../plot/block-accuracy-figure';
import { display, displayFrame, displayMarkdown, displayTable } from '../plot/display';
import { seedSummaryFrame } from '../plot/frame';
import { loadExperiment } from './load-experiment';
import { withOverrides } from './overrides';
import { ExperimentPreset, FigureId, Scale } from './preset';
import { FIGURES, preset } from './presets';
import { accuracySeries, accuracyTable } from './results';
import { claimsTable } from './results-report';
import { ExperimentEvent, ExperimentSummary, runExperiment } from './run-experiment';

/** Where a figure's notebook gets its experiment: the parameters cell of every generated notebook sets these. */
export interface FigureReportOptions {
  scale: Scale;
  /** The experiment folder runs train into, the one `blockwise-ssl reproduce <figure> --scale <scale>` uses too. */
  outDir: string;
  /** Delete `outDir` first and train every run again; default false (reuse finished runs, resume stopped ones). */
  retrain?: boolean;
  /** Seeds every run is trained with; null or absent: the preset's. */
  seeds?: number[] | null;
  /** A saved experiment folder to show instead of training (`savedExperimentDir`); null or absent: train. */
  saved?: string | null;
}

/** A figure's experiment, trained or loaded: the preset as it ran (seeds and overrides included) and its summary. */
export interface FigureExperiment {
  preset: ExperimentPreset;
  summary: ExperimentSummary;
}

/** The figure's short name for plot titles: the preset title up to its colon or parenthesis (`Fig. 4`, `Noise ablation`). */
function figureName(p: ExperimentPreset): string {
  return p.title.split(/[:(]/)[0].trim();
}

/**
 * The first step of a figure's notebook: prints the backend, the preset and its runs (with the paper's top-1 where it
 * publishes one), then loads the saved experiment (`options.saved`) or trains and probes every run into
 * `options.outDir` (reusing finished runs, resuming stopped ones), printing one line per run, its training every 100
 * steps, its end and, for Fig. 15, each corruption scored. At paper scale training needs the tensorflow-gpu backend.
 *
 *     const { preset: p, summary } = await figureExperiment('fig8', { scale: 'smoke', outDir: '../runs/fig8-smoke', retrain: true });
 */
export async function figureExperiment(figure: FigureId, options: FigureReportOptions): Promise<FigureExperiment> {
  const { scale, outDir, retrain = false, seeds = null, saved = null } = options;
  const loaded = saved === null ? null : loadExperiment(saved);
  const base = preset(figure, scale);
  const backend = await initBackend();
  console.log(describeBackend(backend));
  if (loaded === null && base.scale === 'paper' && backend.backend !== 'tensorflow-gpu') {
    throw new Error(`BLOCKWISE_SCALE=paper trains ResNet-50 at the paper's settings (${base.notes}); it needs the tensorflow-gpu backend, not ${backend.backend}`);
  }
  const p = loaded?.preset ?? (seeds === null ? base : withOverrides(base, { seeds }));
  console.log(`${p.title} (${p.scale} scale), seeds [${p.seeds}]\n${p.notes}`);
  const published = p.runs.some((r) => (r.paper ?? []).length > 0);
  displayTable(
    p.runs.map((r) => ({
      run: r.label,
      what: r.description,
      ...(published ? { 'paper (ImageNet top-1 %)': (r.paper ?? []).map((a) => `block ${a.block}: ${a.accuracy}`).join(', ') } : {}),
    })),
  );
  if (p.robustness) console.log(`corruptions: ${p.robustness.corruptions.join(', ')}; severities ${p.robustness.severities.join(', ')}`);

  const lastSeverity = p.robustness?.severities[p.robustness.severities.length - 1];
  const log = (e: ExperimentEvent): void => {
    if (e.type === 'run-start') console.log(`[${e.index + 1}/${e.count}] ${e.label}, seed ${e.seed}: ${e.action}`);
    if (e.type === 'step' && (e.step.step + 1) % 100 === 0) {
      console.log(`  step ${e.step.step + 1}/${e.step.totalSteps}, loss ${e.step.loss.toFixed(2)}, ${Math.round(e.step.etaSeconds)} s left`);
    }
    if (e.type === 'run-end') console.log(`  ${e.status} after ${e.steps} of ${e.totalSteps} steps`);
    if (e.type === 'robustness' && e.progress.severity === lastSeverity) console.log(`  ${e.progress.corruption} scored`);
  };
  if (retrain) fs.rmSync(outDir, { recursive: true, force: true });
  if (loaded !== null) console.log(`saved results in ${loaded.outDir}: nothing trains (BLOCKWISE_RETRAIN=1 trains)`);
  const summary = loaded ?? (await runExperiment(p, { outDir, onEvent: log }));
  const scored = p.robustness ? `, ${summary.robustness.length} robustness scores` : '';
  console.log(`${summary.status}: ${summary.results.length} probe results in ${summary.resultsFile}${scored}`);
  return { preset: p, summary };
}

/**
 * Shows the accuracy per block of the preset's first linear probe, one figure per representation it probes (named
 * `accuracy per block, <features> features`), mean over seeds with one standard deviation; the paper's numbers go on
 * the head-feature figure only, since the paper probes the heads.
 */
export async function showBlockAccuracy({ preset: p, summary }: FigureExperiment): Promise<void> {
  const paper = Object.fromEntries(summary.runs.map((r) => [r.label, r.paper]));
  const linear = p.probe.linear[0].name;
  for (const features of p.probe.features) {
    const series = accuracySeries(summary.results, { features, probe: linear, paper: features === 'head' ? paper : {} });
    await display(blockAccuracyFigure(series, { title: `${figureName(p)}: linear probe on ${features} features (${p.scale} scale)` }), { name: `accuracy per block, ${features} features` });
  }
}

/**
 * Shows top-1 (%) per run and block for every representation and probe, every probe row's mean and sample std over
 * seeds (an arquero table), and, where the figure makes claims of the paper, their verdicts on the linear probe.
 */
export function showAccuracyTables({ preset: p, summary }: FigureExperiment): void {
  const dataset = summary.results[0]?.dataset ?? '';
  const probes = [...p.probe.linear.map((l) => l.name), ...(p.probe.knn ? ['knn'] : [])];
  for (const features of p.probe.features) {
    for (const probe of probes) {
      displayMarkdown(`**${probe} probe on ${features} features**, top-1 (%), ${dataset}`);
      displayTable(accuracyTable(summary.results, { features, probe }), { columns: ['run', 'block 1', 'block 2', 'block 3', 'block 4'], digits: 1 });
    }
  }
  displayMarkdown(`**Every probe, mean over seeds**, top-1 (%), ${dataset}`);
  displayFrame(seedSummaryFrame(summary.results), { digits: 2 });
  const claims = FIGURES[p.figure].claims;
  if (claims.length > 0) {
    displayMarkdown(
      `**The paper's claims**, tested on these runs (a difference counts beyond twice its standard error, so one seed resolves nothing)\n\n` +
        claimsTable(summary.results, p.probe.features.map((features) => ({ features, probe: p.probe.linear[0].name })), claims),
    );
  }
}

/**
 * A figure's whole notebook report in one call: `figureExperiment` (train or load, with progress), then
 * `showBlockAccuracy` and `showAccuracyTables`.
 *
 *     const scale = (process.env.BLOCKWISE_SCALE ?? 'smoke') as Scale;
 *     await figureReport('fig4', { scale, outDir: `../runs/fig4-${scale}`, retrain: scale === 'smoke' });
 */
export async function figureReport(figure: FigureId, options: FigureReportOptions): Promise<FigureExperiment> {
  const experiment = await figureExperiment(figure, options);
  await showBlockAccuracy(experiment);
  showAccuracyTables(experiment);
  return experiment;
}
