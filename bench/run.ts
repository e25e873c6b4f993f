/**
 * `npm run bench`: times training steps with PyTorch and with each tfjs backend route, in one run on this
 * machine, and prints a Markdown table per task: median ms per step, ratio to PyTorch, peak resident memory.
 * Tasks (bench/torch_bench.py and bench/tfjs_bench.ts define them identically): `resnet`, one SGD step of the
 * bench model of shared/reference/cpu-backend.md; `blockwise-bt`, one simultaneous blockwise Barlow Twins
 * step (4 blocks, CbE heads, 512-wide projectors, two views); `pipeline`, images per second of the
 * augmentation alone (also with bicubic crops, as the paper scale's recipe) and of the training step alone at
 * the fig16 cpu preset's batch, model and recipe, and their ratio (tfjs only; the preset's bilinear crops); `run`, a whole training run of the fig16 cpu end-to-end config on CIFAR-10 JPEGs
 * against the same run in PyTorch (bench/torch_run.py), and their ratio (opt-in: it takes minutes). Each route
 * runs in its own process (so peak memory is its own), one after the other (so they do not share the cores).
 *
 *     npm run bench -- --steps 20 --warmup 3 --bt-steps 3 --threads 2 --routes native,wasm --tasks resnet,blockwise-bt,pipeline
 *     npm run bench -- --tasks run --run-steps 60 --threads 2 --routes native
 *
 * PyTorch is Debian's `python3-torch` (/usr/bin/python3), at the same batch and thread count.
 */
import { execFileSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';

interface RouteResult {
  route: string;
  msPerStep: number[];
  peakRssMB: number;
  losses: number[];
  /** The pipeline task's throughput. */
  imagesPerSecond?: number;
  /** The run task's wall seconds. */
  seconds?: number;
}

function option(argv: string[], name: string, dflt: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * glibc settings for the PyTorch process: keep freed memory in the heap instead of returning blocks over 32 MB
 * to the system. On these virtual machines memory new to a process costs ~0.9 s per 128 MB at first touch
 * (bench/NOTES.md), which otherwise makes PyTorch's blockwise step 5x slower; the comparison is about compute.
 */
const TORCH_ENV = { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=68719476736' };

/** Runs a child process that prints one JSON line; returns it parsed, or the error text. */
function runJson(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): RouteResult | string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24, env });
    return JSON.parse(out.trim().split('\n').pop() as string) as RouteResult;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    // The error's message lines, not its stack frames.
    const lines = (err.stderr || err.message).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('at '));
    return lines.slice(0, 3).join(' ');
  }
}

/**
 * Runs the pipeline task's parts, each in its own process, and prints images per second and peak memory, then
 * `augmentation / training throughput: Q`: the fused augmentation's images per second over the first route's
 * end-to-end training step's, at the same batch (the fig16 cpu preset's).
 */
function benchPipeline(steps: string, warmup: string, threads: string, routes: string[]): void {
  console.log(`\nAugmentation alone and training step alone, fig16 cpu preset (batch 128, 32x32 images, 24x24 views), ${threads} threads, ${steps} batches\n`);
  console.log('| part | route | images / s | ms / batch (median) | peak RSS (MB) |');
  console.log('|---|---|---|---|---|');
  const run = (part: string, route: string, label: string): RouteResult | string => {
    const args = ['--task', 'pipeline', '--part', part, '--route', route, '--steps', steps, '--warmup', warmup, '--threads', threads];
    const res = runJson(process.execPath, [path.join(__dirname, 'tfjs_bench.js'), ...args]);
    if (typeof res === 'string') console.log(`| ${label} | ${route} | failed: ${res} | | |`);
    else console.log(`| ${label} | ${route} | ${(res.imagesPerSecond ?? NaN).toFixed(0)} | ${median(res.msPerStep).toFixed(1)} | ${res.peakRssMB.toFixed(0)} |`);
    return res;
  };
  const fused = run('fused', routes[0], 'two views, fused typed-array pass (as runTraining)');
  run('fused-bicubic', routes[0], 'two views, fused typed-array pass, bicubic crops (paper scale)');
  let train: RouteResult | string = 'not run';
  for (const r of routes) {
    run('tensor', r, 'loader + two views, tensor ops');
    const t = run('train', r, 'training step, end-to-end');
    if (r === routes[0]) train = t;
    run('train-simultaneous', r, 'training step, simultaneous (4 CbE blocks)');
  }
  const q = typeof fused === 'string' || typeof train === 'string' ? NaN : (fused.imagesPerSecond ?? NaN) / (train.imagesPerSecond ?? NaN);
  console.log(`\naugmentation / training throughput: ${q.toFixed(2)}`);
}

/**
 * Runs the whole-run task: our `runTraining` (the first route) and bench/torch_run.py, the fig16 cpu end-to-end
 * config for `steps` steps on the CIFAR-10 JPEG images, one after the other; ends with `whole-run ratio to PyTorch: R`.
 * Both use `threads` compute threads plus one augmentation thread (our view worker, one DataLoader worker).
 */
function benchRun(steps: string, threads: string, routes: string[]): void {
  const repo = path.join(__dirname, '..', '..');
  const common = ['--task', 'run', '--steps', steps, '--threads', threads];
  const results: [string, RouteResult | string][] = [
    ['pytorch', runJson('/usr/bin/python3', [path.join(repo, 'bench', 'torch_run.py'), ...common], TORCH_ENV)],
    [`tfjs ${routes[0]}`, runJson(process.execPath, [path.join(__dirname, 'tfjs_bench.js'), '--route', routes[0], ...common])],
  ];
  console.log(`\nWhole run: fig16 cpu end-to-end config, ${steps} steps of batch 128 on CIFAR-10 JPEG images, ${threads} compute threads + 1 augmentation thread\n`);
  console.log('| route | seconds | s / step | peak RSS (MB) | first loss | last loss |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, r] of results) {
    if (typeof r === 'string') console.log(`| ${name} | failed: ${r} | | | | |`);
    else {
      const l = r.losses;
      console.log(`| ${name} | ${r.seconds?.toFixed(1)} | ${((r.seconds ?? NaN) / Number(steps)).toFixed(2)} | ${r.peakRssMB.toFixed(0)} | ${l[0]?.toFixed(1)} | ${l[l.length - 1]?.toFixed(1)} |`);
    }
  }
  const [torch, ours] = results.map(([, r]) => (typeof r === 'string' ? NaN : (r.seconds ?? NaN)));
  console.log(`\nwhole-run ratio to PyTorch: ${(ours / torch).toFixed(2)}`);
}

/** Runs one task with PyTorch and every route and prints its table. */
function benchTask(task: string, steps: string, warmup: string, threads: string, batch: string, routes: string[]): void {
  const common = ['--task', task, '--steps', steps, '--warmup', warmup, '--threads', threads, '--batch', batch];
  const repo = path.join(__dirname, '..', '..');
  const results: [string, RouteResult | string][] = [];
  results.push(['pytorch', runJson('/usr/bin/python3', [path.join(repo, 'bench', 'torch_bench.py'), ...common], TORCH_ENV)]);
  for (const r of routes) {
    results.push([`tfjs ${r}`, runJson(process.execPath, [path.join(__dirname, 'tfjs_bench.js'), '--route', r, ...common])]);
  }
  const torch = results[0][1];
  const torchMs = typeof torch === 'string' ? NaN : median(torch.msPerStep);
  console.log(`\nTask ${task}, batch ${batch}, ${threads} threads, median of ${steps} steps after ${warmup} warm-up steps\n`);
  console.log('| route | ms / step (median) | min | ratio to PyTorch | peak RSS (MB) | first loss |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, r] of results) {
    if (typeof r === 'string') {
      console.log(`| ${name} | failed: ${r} | | | | |`);
      continue;
    }
    const ms = median(r.msPerStep);
    const min = Math.min(...r.msPerStep);
    console.log(`| ${name} | ${ms.toFixed(1)} | ${min.toFixed(1)} | ${(ms / torchMs).toFixed(2)} | ${r.peakRssMB.toFixed(0)} | ${r.losses[0].toFixed(4)} |`);
  }
}

function main(): void {
  const argv = process.argv.slice(2);
  const threads = option(argv, 'threads', '2');
  const batch = option(argv, 'batch', '64');
  const routes = option(argv, 'routes', 'native,wasm').split(',');
  const tasks = option(argv, 'tasks', 'resnet,blockwise-bt,pipeline').split(',');
  const cpu = os.cpus();
  console.log(`${new Date().toISOString().slice(0, 10)}, ${cpu[0]?.model ?? 'unknown CPU'} (${cpu.length} cores), Node ${process.version}`);
  for (const task of tasks) {
    if (task === 'pipeline') {
      benchPipeline(option(argv, 'pipeline-steps', '10'), '2', threads, routes);
      continue;
    }
    if (task === 'run') {
      benchRun(option(argv, 'run-steps', '60'), threads, routes);
      continue;
    }
    const blockwise = task === 'blockwise-bt';
    const steps = option(argv, blockwise ? 'bt-steps' : 'steps', blockwise ? '3' : '20');
    const warmup = option(argv, blockwise ? 'bt-warmup' : 'warmup', blockwise ? '1' : '3');
    benchTask(task, steps, warmup, threads, batch, routes);
  }
}

main();
