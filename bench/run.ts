/**
 * `npm run bench`: times training steps with PyTorch and with each tfjs backend route, in one run on this
 * machine, and prints a Markdown table per task: median ms per step, ratio to PyTorch, peak resident memory.
 * Tasks (bench/torch_bench.py and bench/tfjs_bench.ts define them identically): `resnet`, one SGD step of the
 * bench model of shared/reference/cpu-backend.md; `blockwise-bt`, one simultaneous blockwise Barlow Twins
 * step (4 blocks, CbE heads, 512-wide projectors, two views); `pipeline`, images per second of the data
 * pipeline (loader and both Barlow Twins views, tfjs only). Each route runs in its own process (so peak
 * memory is its own), one after the other (so they do not share the cores).
 *
 *     npm run bench -- --steps 20 --warmup 3 --bt-steps 3 --threads 2 --routes native,wasm --tasks resnet,blockwise-bt,pipeline
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

/** Runs the pipeline task on every route and prints images per second. */
function benchPipeline(steps: string, warmup: string, threads: string, batch: string, routes: string[]): void {
  console.log(`\nData pipeline (loader + two Barlow Twins views of random 32x32 images), batch ${batch}, ${steps} batches\n`);
  console.log('| route | images / s | ms / batch (median) | peak RSS (MB) |');
  console.log('|---|---|---|---|');
  for (const r of routes) {
    const args = ['--task', 'pipeline', '--route', r, '--steps', steps, '--warmup', warmup, '--threads', threads, '--batch', batch];
    const res = runJson(process.execPath, [path.join(__dirname, 'tfjs_bench.js'), ...args]);
    if (typeof res === 'string') console.log(`| tfjs ${r} | failed: ${res} | | |`);
    else console.log(`| tfjs ${r} | ${(res.imagesPerSecond ?? NaN).toFixed(0)} | ${median(res.msPerStep).toFixed(1)} | ${res.peakRssMB.toFixed(0)} |`);
  }
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
      benchPipeline(option(argv, 'pipeline-steps', '10'), '2', threads, batch, routes);
      continue;
    }
    const blockwise = task === 'blockwise-bt';
    const steps = option(argv, blockwise ? 'bt-steps' : 'steps', blockwise ? '3' : '20');
    const warmup = option(argv, blockwise ? 'bt-warmup' : 'warmup', blockwise ? '1' : '3');
    benchTask(task, steps, warmup, threads, batch, routes);
  }
}

main();
