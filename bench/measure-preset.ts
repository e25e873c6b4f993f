/**
 * Measures the seconds per training step of every trained run of a figure's preset, as its lanes would train
 * it: `node dist/bench/measure-preset.js <figure> <scale> [steps]` (set OMP_NUM_THREADS as the lanes do). Each
 * run trains `steps` steps (4 per block for sequential runs) into a temporary folder; prints the median seconds
 * per step after the first two (per phase for sequential runs) and the process CPU seconds per step.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../lib/backend';
import { preset } from '../lib/experiments/presets';
import { FigureId, Scale } from '../lib/experiments/preset';
import { loadDatasetSource } from '../lib/data/dataset-source';
import { readMetrics, runPaths } from '../lib/train/run-folder';
import { runTraining } from '../lib/train/run-training';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const [figure, scale, stepsArg] = process.argv.slice(2);
  const steps = Number(stepsArg ?? 10);
  await initBackend();
  const p = preset(figure as FigureId, scale as Scale);
  const dataset = await loadDatasetSource(p.dataset);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bwssl-measure-'));
  try {
    for (const r of p.runs) {
      if (r.untrained) continue;
      const sequential = r.config.method === 'sequential';
      const config = { ...r.config, data: { ...r.config.data, epochs: undefined, steps: sequential ? 4 * steps : steps }, checkpoint: { everySteps: null, keep: 1 }, optimizer: { ...r.config.optimizer, warmupEpochs: 0 } };
      const dir = path.join(tmp, r.label);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await runTraining(config, { runDir: dir, dataset });
      const wall = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const metrics = readMetrics(runPaths(dir).dir);
      const phases = [...new Set(metrics.map((m) => m.phase))];
      const perPhase = phases.map((ph) => {
        const ms = metrics.filter((m) => m.phase === ph).slice(2);
        return median(ms.map((m) => (config.data.batchSize ?? 128) / m.imagesPerSecond)).toFixed(3);
      });
      console.log(`${r.label.padEnd(24)} s/step ${perPhase.join(' / ')}   whole: ${(wall / metrics.length).toFixed(3)} s/step wall, ${((cpu.user + cpu.system) / 1e6 / metrics.length).toFixed(3)} s/step cpu`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
