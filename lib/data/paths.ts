import * as os from 'os';
import * as path from 'path';

/**
 * The folder that holds downloaded and prepared datasets: `$BLOCKWISE_DATA_DIR` when set, else
 * `~/.cache/blockwise-ssl/datasets`. The data-scripts write here and the readers look here.
 */
export function dataRoot(): string {
  const env = process.env.BLOCKWISE_DATA_DIR;
  return env && env.length > 0 ? path.resolve(env) : path.join(os.homedir(), '.cache', 'blockwise-ssl', 'datasets');
}

/** The data-script command that downloads (`get`) or builds (`prepare`) a dataset. */
export function datasetCommand(action: 'get' | 'prepare', name: string, extra = ''): string {
  return `node dist/data-scripts/datasets.js ${action} ${name}${extra ? ` ${extra}` : ''}`;
}

/** Raised when a dataset is not on disk; its message names the command that gets it. */
export class MissingDatasetError extends Error {
  constructor(
    readonly dataset: string,
    readonly looked: readonly string[],
    readonly command: string,
  ) {
    super(`${dataset} is not on this machine (looked in ${looked.join(', ')}). Get it with: ${command}`);
    this.name = 'MissingDatasetError';
  }
}
