import * as fs from 'fs';
import * as path from 'path';
import { collectExperiment } from '../../experiments/collect-experiment';
import {
  ArrayManifest,
  arrayDir,
  arrayManifest,
  arrayTaskComplete,
  arrayTasks,
  claimExperimentFolder,
  collectArray,
  indexRanges,
  runArrayTask,
  sourceState,
  waitForSource,
} from '../../experiments/job-array';
import { ExperimentPreset, Scale } from '../../experiments/preset';
import { ExperimentEvent } from '../../experiments/run-experiment';
import { writeRunJson } from '../../train/run-folder';
import { OptionSpec, OptionValue, UsageError } from '../args';
import { CliIo, EXIT_INTERRUPTED, experimentTables, probeReporter, runAccuracyTable, startBackend, withInterrupt } from '../common';
import { kubernetesJob, shellWord, slurmScript, slurmSubmitScript, TASK_RESOURCES, TaskResources, timeSeconds } from '../job-scripts';
import { ProgressBar } from '../progress';

/** The options of `reproduce` that hand a figure's runs to a scheduler as a job array (see `runArrayTask`). */
export const ARRAY_OPTIONS: OptionSpec[] = [
  { name: 'emit', kind: 'string', choices: ['slurm', 'k8s'], placeholder: 'slurm|k8s', description: 'write a SLURM job array or a Kubernetes Indexed Job (one index per run and seed) into <out>/array/ instead of training' },
  { name: 'index', kind: 'int', placeholder: 'K', description: 'run only index K of the job array (<out>/array/manifest.json); a completed index exits at once' },
  { name: 'wait-for-source', kind: 'flag', description: 'with --index: wait for the run the index starts from to be trained (default: fail at once)' },
  { name: 'collect', kind: 'string', placeholder: 'DIR', description: "assemble <out>/results.csv from the array's indexes, save the results into DIR, name the indexes not done" },
  { name: 'parallel', kind: 'int', placeholder: 'P', description: 'with --emit: indexes running at once' },
  { name: 'gpus', kind: 'int', placeholder: 'N', description: 'with --emit: GPUs per index' },
  { name: 'cpus', kind: 'int', placeholder: 'N', description: 'with --emit: CPU cores per index' },
  { name: 'mem', kind: 'int', placeholder: 'GIB', description: 'with --emit: memory per index, in GiB' },
  { name: 'time', kind: 'string', placeholder: 'D-HH:MM:SS', description: 'with --emit: time limit per index (then it stops with a checkpoint)' },
  { name: 'partition', kind: 'string', placeholder: 'NAME', description: 'with --emit slurm: the partition' },
  { name: 'image', kind: 'string', placeholder: 'IMAGE', description: 'with --emit k8s: a container image with blockwise-ssl on its PATH' },
  { name: 'volume', kind: 'string', placeholder: 'CLAIM:PATH', description: 'with --emit k8s: a persistent volume claim, mounted at PATH, which holds --out' },
];

/** The `--help` paragraph of the job-array options. */
export const ARRAY_DETAILS =
  'On a cluster: --emit slurm|k8s writes <out>/array/ (manifest.json: index -> run, seed, run folder; the SLURM batch\n' +
  'script and submit.sh, or the Kubernetes Job), each index running `reproduce ... --index K`; --collect DIR then\n' +
  'assembles results.csv and saves the results. Defaults per index: ' +
  (Object.entries(TASK_RESOURCES) as [Scale, TaskResources][])
    .map(([s, r]) => `${s} ${r.gpus} GPU, ${r.cpus} CPU, ${r.memoryGiB} GiB, ${r.time}, ${r.parallel} at once`)
    .join('; ') +
  '.\n';

/** The options that change what a task computes, passed on to every index's command line. */
const FORWARDED = ['seeds', 'steps', 'epochs', 'batch-size', 'warmup-epochs', 'share-runs', 'backend'];
const EMIT_ONLY = ['parallel', 'gpus', 'cpus', 'mem', 'time'];

/** Whether the command asks for a job-array mode; checks the options that go with it (usage errors). */
export function arrayMode(o: Record<string, OptionValue>): boolean {
  const modes = ['emit', 'index', 'collect'].filter((m) => o[m] !== undefined);
  if (modes.length > 1) throw new UsageError(`reproduce: give one of --emit, --index, --collect, not ${modes.map((m) => `--${m}`).join(' and ')}`);
  const mode = modes[0];
  const clash = ['show', 'list', 'no-reuse'].find((x) => o[x] !== undefined);
  if (mode !== undefined && clash !== undefined) throw new UsageError(`reproduce: --${clash} does not go with --${mode}`);
  for (const x of EMIT_ONLY) if (o[x] !== undefined && mode !== 'emit') throw new UsageError(`reproduce: --${x} goes with --emit`);
  if (o.partition !== undefined && o.emit !== 'slurm') throw new UsageError('reproduce: --partition goes with --emit slurm');
  for (const x of ['image', 'volume']) if (o[x] !== undefined && o.emit !== 'k8s') throw new UsageError(`reproduce: --${x} goes with --emit k8s`);
  if (o.emit === 'k8s' && (o.image === undefined || o.volume === undefined)) {
    throw new UsageError('reproduce: --emit k8s needs --image (with blockwise-ssl on its PATH) and --volume CLAIM:PATH (where the run folders live)');
  }
  if (o['wait-for-source'] !== undefined && mode !== 'index') throw new UsageError('reproduce: --wait-for-source goes with --index');
  if (o.time !== undefined && timeSeconds(o.time as string) === null) throw new UsageError(`reproduce: --time must be D-HH:MM:SS or HH:MM:SS, got '${o.time}'`);
  for (const x of ['parallel', 'cpus', 'mem']) if (o[x] === 0) throw new UsageError(`reproduce: --${x} must be at least 1`);
  return mode !== undefined;
}

/** Writes `text` to `file` through a temporary name and a rename, so a reader never sees half of it. */
function writeFileAtomic(file: string, text: string, mode = 0o644): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text, { mode });
  fs.renameSync(tmp, file);
}

/** The command line of every index, `--index` left out: the figure, its scale, the folder and the options that change the runs. */
function taskCommand(figure: string, scale: Scale, outDir: string, o: Record<string, OptionValue>): string[] {
  const words = ['reproduce', figure, '--scale', scale, '--out', outDir];
  for (const name of FORWARDED) {
    const v = o[name];
    if (v === undefined) continue;
    const value = name === 'share-runs' ? (v as string[]).map((d) => path.resolve(d)).join(',') : Array.isArray(v) ? v.join(',') : String(v);
    words.push(`--${name}`, value);
  }
  return words;
}

function emitArray(figure: string, scale: Scale, p: ExperimentPreset, outDir: string, o: Record<string, OptionValue>, io: CliIo): number {
  const defaults = TASK_RESOURCES[scale];
  const resources: TaskResources = {
    gpus: (o.gpus as number | undefined) ?? defaults.gpus,
    cpus: (o.cpus as number | undefined) ?? defaults.cpus,
    memoryGiB: (o.mem as number | undefined) ?? defaults.memoryGiB,
    time: (o.time as string | undefined) ?? defaults.time,
    parallel: (o.parallel as number | undefined) ?? defaults.parallel,
  };
  let volume: { claim: string; mountPath: string } | null = null;
  if (o.emit === 'k8s') {
    const m = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?):(\/.*)$/.exec(o.volume as string);
    if (!m) throw new UsageError(`reproduce: --volume must be CLAIM:PATH (a claim name, an absolute path), got '${o.volume}'`);
    const mountPath = path.resolve(m[3]);
    if (outDir !== mountPath && !outDir.startsWith(`${mountPath}${path.sep}`)) throw new UsageError(`reproduce: --out ${outDir} must be inside the volume's ${mountPath}`);
    volume = { claim: m[1], mountPath };
  }
  claimExperimentFolder(p, outDir);
  const manifest: ArrayManifest = arrayManifest(p, outDir, taskCommand(figure, scale, outDir, o));
  const dir = arrayDir(outDir);
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  writeRunJson(path.join(dir, 'manifest.json'), manifest);
  const name = `${figure}-${scale}`;
  const waves = manifest.waves.length > 1 ? ` in ${manifest.waves.length} waves (${manifest.waves.map((w) => `${w.first}-${w.last}`).join(', ')}: later ones start from runs of earlier ones)` : '';
  io.stderr.write(`${p.title} (${scale} scale): ${manifest.tasks.length} indexes${waves}, one per run and seed, into ${outDir}\n`);
  if (o.emit === 'slurm') {
    const script = path.join(dir, `${name}.sbatch`);
    writeFileAtomic(script, slurmScript(manifest, resources, { mainJs: path.resolve(__dirname, '..', 'main.js'), ...(o.partition !== undefined ? { partition: o.partition as string } : {}) }), 0o755);
    const submit = path.join(dir, 'submit.sh');
    writeFileAtomic(submit, slurmSubmitScript(manifest, resources, script), 0o755);
    io.stdout.write(`wrote ${path.join(dir, 'manifest.json')}\n      ${script}\n      ${submit}\nsubmit: bash ${shellWord(submit)}\n`);
  } else {
    const job = path.join(dir, `${name}.yaml`);
    writeFileAtomic(job, kubernetesJob(manifest, resources, { image: o.image as string, ...volume! }));
    io.stdout.write(`wrote ${path.join(dir, 'manifest.json')}\n      ${job}\nsubmit: kubectl apply -f ${shellWord(job)}\n`);
  }
  io.stdout.write(`then:   blockwise-ssl ${manifest.command.map(shellWord).join(' ')} --collect results/${scale}/${figure}\n`);
  return 0;
}

async function runIndex(p: ExperimentPreset, outDir: string, k: number, o: Record<string, OptionValue>, io: CliIo): Promise<number> {
  const tasks = arrayTasks(p, outDir);
  const t = tasks[k];
  if (t === undefined) throw new UsageError(`reproduce: --index ${k}: ${p.figure} has indexes 0-${tasks.length - 1}`);
  claimExperimentFolder(p, outDir);
  const name = `index ${k} (${t.label}, seed ${t.seed})`;
  if (arrayTaskComplete(outDir, t)) {
    io.stderr.write(`${name}: complete in ${t.runDir}; nothing to do\n`);
    return 0;
  }
  const source = sourceState(outDir, tasks, t);
  if (!source.ready) {
    if (!o['wait-for-source'] || source.failed) throw new Error(`${name} cannot start: ${source.reason}; run that index first`);
    io.stderr.write(`${name}: waiting, ${source.reason}\n`);
    const ready = await withInterrupt(io, (signal) => waitForSource(outDir, tasks, t, { pollMs: 60_000, signal }), ['SIGINT', 'SIGTERM']);
    if (!ready) return EXIT_INTERRUPTED;
  }
  await startBackend(io, o.backend);
  const bar = new ProgressBar(io.stderr);
  const onEvent = (e: ExperimentEvent): void => {
    if (e.type === 'run-start') bar.message(`${name}: ${e.action} (${e.runDir})${e.sharedFrom !== undefined ? `, copied from ${e.sharedFrom}` : ''}`);
    else if (e.type === 'step') bar.update(e.step, e.label);
    else if (e.type === 'run-end') {
      bar.done();
      bar.message(`${name}: ${e.status} at step ${e.steps}/${e.totalSteps}`);
    } else if (e.type === 'probe') probeReporter(bar, e.label)(e.progress);
  };
  const shareRunsFrom = o['share-runs'] !== undefined ? (o['share-runs'] as string[]).map((d) => path.resolve(d)) : undefined;
  const { record, run } = await withInterrupt(
    io,
    (signal) => runArrayTask(p, outDir, k, { signal, onEvent, ...(shareRunsFrom ? { shareRunsFrom } : {}) }),
    ['SIGINT', 'SIGTERM'],
  );
  bar.done();
  if (record.state === 'stopped') {
    io.stderr.write(`${name}: stopped at step ${record.steps}/${record.totalSteps} with a checkpoint; run the index again to continue\n`);
    return EXIT_INTERRUPTED;
  }
  io.stdout.write(`${p.title} (${p.scale} scale), ${name}\n\n${runAccuracyTable(run.probes)}\n`);
  return 0;
}

function collect(p: ExperimentPreset, outDir: string, dest: string, io: CliIo): number {
  if (!fs.existsSync(path.join(outDir, 'preset.json'))) throw new Error(`${outDir} holds no preset.json: no index of ${p.figure} has run there (give the --out of the array)`);
  claimExperimentFolder(p, outDir);
  const c = collectArray(p, outDir);
  const saved = collectExperiment(outDir, dest);
  const what = (t: { index: number; label: string; seed: number }): string => `${t.index} (${t.label}, seed ${t.seed})`;
  io.stderr.write(`${c.complete.length} of ${c.tasks.length} indexes complete: ${c.resultsFile} (${c.results.length} rows); saved into ${saved.dir} (${saved.files.length} files)\n`);
  for (const t of c.missing) io.stderr.write(`missing: index ${what(t)}: not started\n`);
  for (const f of c.failed) io.stderr.write(`failed: index ${what(f.task)}: ${f.message}\n`);
  for (const i of c.incomplete) io.stderr.write(`incomplete: index ${what(i.task)}: ${i.state}\n`);
  if (c.results.length > 0) io.stdout.write(`${p.title} (${p.scale} scale)\n\n${experimentTables(c.results, p.probe)}\n`);
  const left = [...c.missing, ...c.failed.map((f) => f.task), ...c.incomplete.map((i) => i.task)].map((t) => t.index);
  if (left.length === 0) return 0;
  io.stderr.write(`not done: indexes ${indexRanges(left)}; resubmit the array (completed indexes exit at once), or run one with --index K\n`);
  return 1;
}

/**
 * `reproduce --emit | --index | --collect`: the figure's runs as a job array, one of its indexes, or the collection of
 * what the indexes left. Returns the exit status.
 */
export async function reproduceArray(figure: string, scale: Scale, p: ExperimentPreset, outDir: string, o: Record<string, OptionValue>, io: CliIo): Promise<number> {
  if (o.emit !== undefined) return emitArray(figure, scale, p, outDir, o, io);
  if (o.index !== undefined) return runIndex(p, outDir, o.index as number, o, io);
  return collect(p, outDir, path.resolve(o.collect as string), io);
}
