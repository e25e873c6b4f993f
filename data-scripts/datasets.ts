/**
 * The dataset command line:
 *
 *     node dist/data-scripts/datasets.js list
 *     node dist/data-scripts/datasets.js get <name>
 *     node dist/data-scripts/datasets.js prepare <name> [--src PATH] [--size N] [--val PATH] [--val-labels FILE] [--train PATH] [--limit N]
 *
 * `--data-dir DIR` (any command) overrides where datasets live (`$BLOCKWISE_DATA_DIR`, default
 * `~/.cache/blockwise-ssl/datasets`). Downloads resume where an interrupted one stopped and are checked
 * against the checksums their sources publish.
 */
import * as fs from 'fs';
import * as path from 'path';
import { dataRoot, readImageCacheMeta } from '../lib/data';
import { CATALOG, catalogEntry, PrepareArgs } from './catalog';

const USAGE = `usage: node dist/data-scripts/datasets.js list
       node dist/data-scripts/datasets.js get <name>
       node dist/data-scripts/datasets.js prepare <name> [--src PATH] [--size N] [--val PATH] [--val-labels FILE] [--train PATH] [--limit N]
options: --data-dir DIR   where datasets live (default $BLOCKWISE_DATA_DIR or ~/.cache/blockwise-ssl/datasets)
datasets: ${CATALOG.map((c) => c.name).join(', ')}`;

/** Splits `argv` into positional words and `--flag value` options. */
export function parseArgs(argv: string[]): { words: string[]; flags: Record<string, string> } {
  const words: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new Error(`option ${a} needs a value\n${USAGE}`);
      flags[a.slice(2)] = value;
      i++;
    } else words.push(a);
  }
  return { words, flags };
}

function positiveInt(flags: Record<string, string>, name: string): number | undefined {
  if (flags[name] === undefined) return undefined;
  const v = Number(flags[name]);
  if (!(Number.isInteger(v) && v > 0)) throw new Error(`--${name} must be a positive integer, got ${flags[name]}`);
  return v;
}

/** Lines describing every known dataset and every prepared cache under the data folder. */
export function listing(): string[] {
  const lines = [`data folder: ${dataRoot()}`, ''];
  for (const c of CATALOG) {
    const where = c.where();
    const how = c.get ? `get ${c.name}` : c.howToGet ?? '';
    lines.push(`${c.name.padEnd(14)} ${where ? `present: ${where}` : `missing (${how})`}`);
    lines.push(`${''.padEnd(14)} ${c.description}`);
  }
  const cacheRoot = path.join(dataRoot(), 'image-cache');
  const caches = fs.existsSync(cacheRoot) ? fs.readdirSync(cacheRoot).sort() : [];
  lines.push('', caches.length ? 'prepared image caches:' : 'no prepared image caches yet');
  for (const d of caches) {
    const meta = readImageCacheMeta(path.join(cacheRoot, d));
    lines.push(
      meta
        ? `  ${meta.name.padEnd(16)} ${meta.size} images of [${meta.imageShape.join(', ')}], ${meta.classNames.length} classes  (${d})`
        : `  ${d}: unfinished (run its prepare again)`,
    );
  }
  return lines;
}

export async function main(argv: string[]): Promise<void> {
  const { words, flags } = parseArgs(argv);
  if (flags['data-dir']) process.env.BLOCKWISE_DATA_DIR = path.resolve(flags['data-dir']);
  const [command, name] = words;
  if (command === 'list') {
    console.log(listing().join('\n'));
    return;
  }
  if ((command !== 'get' && command !== 'prepare') || !name) throw new Error(USAGE);
  const entry = catalogEntry(name);
  if (command === 'get') {
    if (!entry.get) throw new Error(`${name} cannot be downloaded by this script: ${entry.howToGet}`);
    await entry.get();
    return;
  }
  if (!entry.prepare) throw new Error(`${name} needs no preparing: its reader uses the downloaded files directly`);
  const args: PrepareArgs = {
    src: flags.src,
    size: positiveInt(flags, 'size'),
    val: flags.val,
    valLabels: flags['val-labels'],
    train: flags.train,
    limit: positiveInt(flags, 'limit'),
  };
  await entry.prepare(args);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: Error) => {
    console.error(`datasets: ${e.message}`);
    process.exitCode = 1;
  });
}
