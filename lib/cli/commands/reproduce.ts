import * as fs from 'fs';
import * as path from 'path';
import { probeEpochs } from '../../experiments/epoch-probes';
import { ExperimentPreset, ExperimentRun, Scale } from '../../experiments/preset';
import { FIGURE_IDS, isFigureId, preset } from '../../experiments/presets';
import { runOverridesFromAssignments, withOverrides, withRunOverrides } from '../../experiments/overrides';
import { experimentRunDir, ExperimentEvent, runExperiment } from '../../experiments/run-experiment';
import { checkRobustnessSettings, robustnessTable } from '../../experiments/robustness';
import { markdownTable } from '../../plot/table';
import { checkRunDirPath } from '../../train/run-folder';
import { CommandSpec, commandHelp, OptionValue, parseCommand, suggestion, UsageError } from '../args';
import { BACKEND_OPTION, CliIo, EXIT_INTERRUPTED, experimentTables, probeReporter, startBackend, withInterrupt } from '../common';
import { SCALE_OPTION } from '../probe-options';
import { formatDuration, ProgressBar } from '../progress';
import { SCHEDULE_OPTIONS, withSchedule } from './train';
import { ARRAY_DETAILS, ARRAY_OPTIONS, arrayMode, reproduceArray } from './reproduce-array';

export const reproduceSpec: CommandSpec = {
  name: 'reproduce',
  summary: 'Reproduce a figure of the paper: train every run of its preset, probe every block, compute its statistics, print the per-block tables.',
  positionals: [{ name: 'figure', description: `one of ${FIGURE_IDS.join(', ')}`, optional: true }],
  options: [
    SCALE_OPTION,
    { name: 'out', kind: 'string', placeholder: 'DIR', description: 'experiment folder (default runs/<figure>-<scale>)' },
    { name: 'seeds', kind: 'list', placeholder: '0,1,2', description: 'train every run once per seed' },
    { name: 'runs', kind: 'list', placeholder: 'LABEL,LABEL', description: "only these runs of the preset (labels as --list prints them; a run's init source comes along)" },
    ...SCHEDULE_OPTIONS,
    {
      name: 'set',
      kind: 'string',
      placeholder: 'KEY=VALUE,...',
      description: 'change the training config of every run trained, e.g. optimizer.eta=0.02,model.noise.sigma=0 (dotted TrainConfig keys as --show prints them; values as JSON, else a string)',
    },
    { name: 'no-reuse', kind: 'flag', description: 'fail if the folder already holds runs (default: continue them)' },
    { name: 'share-runs', kind: 'list', placeholder: 'DIR,DIR', description: "copy completed runs with the same config and seed from other experiments' folders instead of training them" },
    {
      name: 'corruptions',
      kind: 'list',
      placeholder: 'NAME,NAME',
      description: 'fig15: score only these corruptions (names of the benchmark, e.g. gaussian_noise,fog; default all 15)',
    },
    { name: 'show', kind: 'flag', description: 'print the preset as JSON and exit' },
    { name: 'list', kind: 'flag', description: 'list the figures and their runs at the scale, and exit' },
    {
      name: 'probe-epochs',
      kind: 'flag',
      description: "train nothing: probe the completed runs' kept checkpoints at the preset's probe epochs into <out>/epochs.csv (runs not completed are listed and left alone)",
    },
    BACKEND_OPTION,
    ...ARRAY_OPTIONS,
  ],
  details:
    'Runs are trained into <out>/<run label>/ (<out>/<label>/seed-<s>/ with several seeds); results.csv holds every probe row.\n' +
    'Running the same command again skips completed runs, resumes stopped ones and reuses probe results.\n' +
    'Ctrl-C stops the current run after its current step with a checkpoint.\n\n' +
    ARRAY_DETAILS +
    '\n' +
    'examples:\n' +
    '  blockwise-ssl reproduce fig4 --scale smoke          the whole Fig. 4 pipeline in seconds\n' +
    '  blockwise-ssl reproduce fig8 --scale cpu --out runs/fig8\n' +
    '  blockwise-ssl reproduce noise --show                the preset, to read or edit\n' +
    '  blockwise-ssl reproduce fig7 --scale paper --emit slurm --out /shared/runs/fig7\n' +
    '  blockwise-ssl reproduce fig15 --scale cifar10-long --share-runs runs/fig4-lane-a,runs/fig4-lane-b\n' +
    "                                                       Fig. 15 on Fig. 4's trained end-to-end and simultaneous CbE + noise runs\n" +
    '                                                       (copied with their probes; only the random-init baseline is made here)',
};

function listing(scale: Scale): string {
  return FIGURE_IDS.map((f) => {
    const p = preset(f, scale);
    return `${f.padEnd(6)} ${p.title}\n       runs: ${p.runs.map((r) => r.label).join(', ')}`;
  }).join('\n');
}

/**
 * The runs named by `labels`, in the preset's order, with the runs they initialise from (so a subset trains on its
 * own); an unknown label is an error naming the known ones.
 */
export function selectRuns(runs: readonly ExperimentRun[], labels: readonly string[]): ExperimentRun[] {
  const known = runs.map((r) => r.label);
  for (const l of labels) {
    if (!known.includes(l)) throw new UsageError(`reproduce: --runs: no run '${l}'${suggestion(l, known)}; the runs are ${known.join(', ')}`);
  }
  const wanted = new Set(labels);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of runs) {
      const source = r.config.init?.run;
      if (wanted.has(r.label) && source !== undefined && known.includes(source) && !wanted.has(source)) {
        wanted.add(source);
        grew = true;
      }
    }
  }
  return runs.filter((r) => wanted.has(r.label));
}

function statisticsLine(e: Extract<ExperimentEvent, { type: 'statistics' }>): string {
  const medians = e.statistics.blocks.map((b) => `b${b.block + 1} ${b.summary.onDiagonal.median.toFixed(2)}/${b.summary.offDiagonal.std.toFixed(3)}`);
  return `${e.label}: cross-correlation on-diagonal median / off-diagonal std per block: ${medians.join(' ')}`;
}

/**
 * `reproduce --probe-epochs`: the probes at `probeEpochs` of the preset's completed runs in `outDir`, afterwards and
 * without training (`probeEpochs` with `completedOnly`); writes `epochs.csv` there. Folders of runs still training in
 * another process, stopped or failed are not touched.
 */
async function reproduceEpochProbes(p: ExperimentPreset, scale: Scale, outDir: string, backend: string | undefined, io: CliIo): Promise<number> {
  if (!p.runs.some((r) => r.probeEpochs?.length)) {
    throw new UsageError(`reproduce: --probe-epochs: no run of ${p.figure} at the ${scale} scale has probe epochs (runs: ${p.runs.map((r) => r.label).join(', ')})`);
  }
  if (!fs.existsSync(outDir)) throw new UsageError(`reproduce: --probe-epochs: ${outDir} does not exist; train the runs first`);
  await startBackend(io, backend);
  const bar = new ProgressBar(io.stderr);
  const rows = await probeEpochs(outDir, p, {
    completedOnly: true,
    onSkip: (run, seed, runDir) => bar.message(`${run}${p.seeds.length > 1 ? ` seed ${seed}` : ''}: not completed, skipped (${path.relative(process.cwd(), runDir) || runDir})`),
    onProgress: (run, seed, e) => probeReporter(bar, `${run}${p.seeds.length > 1 ? ` seed ${seed}` : ''}`)(e),
  });
  bar.done();
  const runs = new Set(rows.map((r) => `${r.run} seed ${r.seed}`));
  io.stdout.write(`${rows.length} probe rows of ${runs.size} run(s) at epochs ${[...new Set(rows.map((r) => r.epoch))].join(', ')}\n`);
  io.stderr.write(`epoch probes: ${path.join(outDir, 'epochs.csv')}\n`);
  return 0;
}

export async function reproduceCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(reproduceSpec, argv);
  const o = parsed.options;
  if (parsed.help) {
    io.stdout.write(`${commandHelp(reproduceSpec)}\n`);
    return 0;
  }
  const scale = (o.scale as Scale | undefined) ?? 'cpu';
  const array = arrayMode(o);
  if (o.list) {
    io.stdout.write(`${listing(scale)}\n`);
    return 0;
  }
  const figure = parsed.positionals[0];
  if (figure === undefined) throw new UsageError(`reproduce: which figure? one of ${FIGURE_IDS.join(', ')} (--list shows their runs)`);
  if (!isFigureId(figure)) throw new UsageError(`reproduce: unknown figure '${figure}'${suggestion(figure, FIGURE_IDS)}; one of ${FIGURE_IDS.join(', ')}`);
  let p = preset(figure, scale);
  if (o.seeds !== undefined) {
    const seeds = (o.seeds as string[]).map((s) => Number(s));
    if (!seeds.every((s) => Number.isInteger(s) && s >= 0)) throw new UsageError(`reproduce: --seeds must be integers >= 0, got ${o.seeds}`);
    p = withOverrides(p, { seeds });
  }
  if (o.runs !== undefined) p = { ...p, runs: selectRuns(p.runs, o.runs as string[]) };
  if (o.set !== undefined) {
    try {
      p = withRunOverrides(p, runOverridesFromAssignments(o.set as string, 'reproduce: --set'));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  if (o.corruptions !== undefined) {
    if (!p.robustness) throw new UsageError(`reproduce: --corruptions: ${figure} scores no corrupted images (only fig15 does)`);
    p = { ...p, robustness: { ...p.robustness, corruptions: o.corruptions as string[] } };
    try {
      checkRobustnessSettings(p.robustness!, 'reproduce: --corruptions');
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  p = { ...p, runs: p.runs.map((r) => withProbeEpochsInSchedule({ ...r, config: withSchedule(r.config, o) }, o)) };
  if (o.show) {
    io.stdout.write(`${JSON.stringify(p, null, 2)}\n`);
    return 0;
  }
  const outDir = path.resolve((o.out as string | undefined) ?? path.join('runs', `${figure}-${scale}`));
  try {
    checkRunDirPath(outDir, 'reproduce --out');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (array) return reproduceArray(figure, scale, p, outDir, o, io);
  if (o['probe-epochs']) return reproduceEpochProbes(p, scale, outDir, o.backend as string | undefined, io);
  await startBackend(io, o.backend);
  io.stderr.write(`${p.title} (${scale} scale): ${p.runs.length} runs x ${p.seeds.length} seed(s) into ${outDir}\n`);
  const bar = new ProgressBar(io.stderr);
  const began = Date.now();
  const summary = await withInterrupt(io, (signal) =>
    runExperiment(p, {
      outDir,
      signal,
      reuse: !o['no-reuse'],
      ...(o['share-runs'] !== undefined ? { shareRunsFrom: (o['share-runs'] as string[]).map((d) => path.resolve(d)) } : {}),
      onEvent: (e) => {
        switch (e.type) {
          case 'run-start':
            bar.message(
              `[${e.index + 1}/${e.count}] ${e.label}${p.seeds.length > 1 ? ` seed ${e.seed}` : ''}: ${e.action} (${path.relative(process.cwd(), e.runDir) || e.runDir})` +
                (e.sharedFrom !== undefined ? `, copied from ${path.relative(process.cwd(), e.sharedFrom) || e.sharedFrom}` : ''),
            );
            break;
          case 'step':
            bar.update(e.step, e.label);
            break;
          case 'run-end':
            bar.done();
            bar.message(`${e.label}: ${e.status} at step ${e.steps}/${e.totalSteps} (${formatDuration((Date.now() - began) / 1000)} so far)`);
            break;
          case 'probe':
            probeReporter(bar, e.label)(e.progress);
            break;
          case 'statistics':
            bar.message(statisticsLine(e));
            break;
          case 'robustness':
            bar.message(`${e.label}: ${e.progress.corruption}${e.progress.severity > 0 ? ` severity ${e.progress.severity}` : ''} scored (${e.progress.done}/${e.progress.total})`);
            break;
          default:
            break;
        }
      },
    }),
  );
  bar.done();
  if (summary.results.length > 0) io.stdout.write(`\n${p.title} (${scale} scale)\n\n${experimentTables(summary.results, p.probe)}\n`);
  if (p.robustness && summary.robustness.length > 0) {
    for (const features of p.robustness.features) {
      io.stdout.write(`\ntop-1 error (%) on corrupted held-out images, block ${p.robustness.stage + 1} ${features} features (per corruption: mean ± std over severities):\n`);
      io.stdout.write(`${markdownTable(robustnessTable(summary.robustness, { features }), { digits: 2 })}\n`);
    }
  }
  const paper = summary.runs.flatMap((r) => r.paper.map((a) => `${r.label} block ${a.block}: ${a.accuracy}%`));
  io.stdout.write(`\nthe paper: ${p.finding}\n${paper.length > 0 ? `published (ImageNet): ${[...new Set(paper)].join('; ')}\n` : ''}`);
  io.stderr.write(`results: ${summary.resultsFile}\n`);
  if (summary.status === 'stopped') {
    const last = summary.runs[summary.runs.length - 1];
    io.stderr.write(`stopped during ${last.label} (${experimentRunDir(outDir, last.label, last.seed, p.seeds)}); run the same command again to continue\n`);
    return EXIT_INTERRUPTED;
  }
  return 0;
}

/**
 * A run whose schedule --epochs or --steps replaced keeps only the `probeEpochs` inside its new length: with
 * --epochs X the epochs up to X (epochs of the last phase, as `epochCheckpointStep` counts them, so per block for a
 * sequential run), with --steps none (an epoch's length in steps is only known once the images are loaded). Without
 * this, `reproduce fig4 --scale cifar10-long --epochs 1` trained its first run and then stopped at probing epoch 5.
 */
export function withProbeEpochsInSchedule(run: ExperimentRun, options: Record<string, OptionValue>): ExperimentRun {
  if (!run.probeEpochs?.length || (options.epochs === undefined && options.steps === undefined)) return run;
  const { probeEpochs, ...rest } = run;
  const kept = options.steps !== undefined ? [] : probeEpochs.filter((e) => e <= (options.epochs as number));
  return kept.length > 0 ? { ...rest, probeEpochs: kept } : rest;
}
