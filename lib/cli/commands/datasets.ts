import { main as datasetsMain } from '../../../data-scripts/datasets';
import { NAMED_DATASETS } from '../../data/dataset-source';
import { UsageError, suggestion } from '../args';
import { CliIo } from '../common';

const HELP = `usage: blockwise-ssl datasets list
       blockwise-ssl datasets get <name>
       blockwise-ssl datasets prepare <name> [--src PATH] [--size N] [--val PATH] [--val-labels FILE] [--limit N]

List, download (resumable, checksum-verified) and prepare the datasets (the data-scripts' command line).

options:
  --data-dir DIR  where datasets live (default $BLOCKWISE_DATA_DIR or ~/.cache/blockwise-ssl/datasets)
  --help          show this help

names the other commands accept as --dataset:
${Object.entries(NAMED_DATASETS)
  .map(([name, what]) => `  ${name.padEnd(18)} ${what}`)
  .join('\n')}
  or the path of an image folder or .tar(.gz) of class folders`;

/** `datasets`: the data-scripts' dataset command line (`list`, `get`, `prepare`). */
export async function datasetsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  const sub = argv.find((a) => !a.startsWith('-'));
  const known = ['list', 'get', 'prepare'];
  if (sub === undefined || !known.includes(sub)) {
    throw new UsageError(`datasets: unknown subcommand '${sub ?? argv[0]}'${suggestion(sub ?? '', known)}; one of ${known.join(', ')} (see 'blockwise-ssl datasets --help')`);
  }
  await datasetsMain([...argv]);
  return 0;
}
