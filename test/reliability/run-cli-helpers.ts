import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CliIo } from '../../lib/cli/common';
import { main } from '../../lib/cli/main';
import { FASHION_MNIST_SYSTEM_DIR } from '../../lib/data/fashion-mnist';
import { TrainConfig } from '../../lib/train/train-config';
import { TINY_BACKBONE } from '../train/tiny-run';

/** Runs the command line in-process and returns its status and what it wrote. */
export async function cli(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: { write: (t: string) => ((out.stdout += t), true) },
    stderr: { write: (t: string) => ((out.stderr += t), true) },
  };
  const status = await main(argv, io);
  return { status, ...out };
}

const made: string[] = [];

/** A fresh temporary folder (removed by `removeMade`). */
export function madeDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bwssl-rel-${name}-`));
  made.push(dir);
  return dir;
}

export function removeMade(): void {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** Every file under `dir` with its bytes, to compare a folder before and after a command. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (fs.statSync(p).isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

export const HAVE_FASHION_MNIST = fs.existsSync(path.join(FASHION_MNIST_SYSTEM_DIR, 'train-images-idx3-ubyte.gz'));

/** A Fashion-MNIST run of a tiny network for `steps` steps: what a `--config` file of a user could hold. */
export function tinyFashionConfig(steps = 1): TrainConfig {
  return {
    method: 'simultaneous',
    model: { backbone: TINY_BACKBONE, head: { kind: 'cbe', outChannels: 8 }, projector: [8, 8] },
    optimizer: { warmupEpochs: 0 },
    data: { batchSize: 8, steps },
    checkpoint: { everySteps: 1 },
  };
}
