#!/usr/bin/env node
/**
 * The `blockwise-ssl` command line: `train`, `probe`, `resume`, `reproduce <figure> --scale <s>`, `datasets`.
 * Each command parses its flags (`--help` on every one), starts the compute backend, and composes the library
 * (experiments, train, eval); progress goes to stderr, results to stdout.
 */
import { suggestion, UsageError } from './args';
import { CliIo, processIo } from './common';
import { datasetsCommand } from './commands/datasets';
import { probeCommand, probeSpec } from './commands/probe';
import { reproduceCommand, reproduceSpec } from './commands/reproduce';
import { resumeCommand, resumeSpec } from './commands/resume';
import { trainCommand, trainSpec } from './commands/train';

/** The commands, by name, with their one-line summaries. */
export const COMMANDS: Record<string, { summary: string; run: (argv: readonly string[], io: CliIo) => Promise<number> }> = {
  train: { summary: trainSpec.summary, run: trainCommand },
  probe: { summary: probeSpec.summary, run: probeCommand },
  resume: { summary: resumeSpec.summary, run: resumeCommand },
  reproduce: { summary: reproduceSpec.summary, run: reproduceCommand },
  datasets: { summary: 'List, download and prepare datasets (list / get / prepare).', run: datasetsCommand },
};

/** The top-level `--help`. */
export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'usage: blockwise-ssl <command> [options]',
    '',
    'Blockwise self-supervised learning (Barlow Twins per ResNet block, stop-gradient between blocks) on TensorFlow.js.',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    "'blockwise-ssl <command> --help' shows a command's options. The compute backend is the best that loads",
    '(tensorflow-gpu, tensorflow, wasm, cpu) unless --backend or $BLOCKWISE_BACKEND says otherwise.',
  ].join('\n');
}

/**
 * Runs the command line `argv` (the words after the program name) and returns the exit status: 0, 2 for a usage
 * mistake (with its message), 1 for a failure, 130 when Ctrl-C stopped a run.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.stdout.write(`${mainHelp()}\n`);
      return name === undefined ? 2 : 0;
    }
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`unknown command '${name}'${suggestion(name, Object.keys(COMMANDS))}; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return await command.run(rest, io);
  } catch (e) {
    const err = e as Error;
    if (err instanceof UsageError) {
      io.stderr.write(`blockwise-ssl: ${err.message}\n`);
      return 2;
    }
    io.stderr.write(`blockwise-ssl ${name}: ${err.message}\n`);
    if (process.env.BLOCKWISE_DEBUG) io.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
