import * as path from 'path';
import { loadDatasetSource } from '../../data/dataset-source';
import { readRunConfig } from '../../train/load-run';
import { readRunDatasetSource } from '../../train/run-folder';
import { resumeTraining } from '../../train/run-training';
import { CommandSpec, commandHelp, parseCommand } from '../args';
import { BACKEND_OPTION, datasetArgument, CliIo, EXIT_INTERRUPTED, experimentProbeSettings, startBackend, withInterrupt } from '../common';
import { PROBE_OPTIONS, SCALE_OPTION, probeSettingsFrom } from '../probe-options';
import { ProgressBar } from '../progress';
import { probeAndPrint } from './train';

export const resumeSpec: CommandSpec = {
  name: 'resume',
  summary: 'Continue a stopped or interrupted run from its newest checkpoint (exactly as if it had never stopped), then probe it.',
  positionals: [{ name: 'runDir', description: 'the run folder (holds config.json and checkpoints/)' }],
  options: [
    { name: 'dataset', kind: 'string', placeholder: 'NAME|PATH', description: 'the training images, when the run folder\'s dataset.json does not say' },
    { name: 'no-probe', kind: 'flag', description: 'skip the probes at the end' },
    { name: 'restart', kind: 'flag', description: 'start over from step 0 when every checkpoint of the run is gone (default: refuse)' },
    SCALE_OPTION,
    ...PROBE_OPTIONS,
    BACKEND_OPTION,
  ],
  details: 'Probe settings: those of the experiment the folder belongs to (its parent\'s preset.json), else of --scale.',
};

export async function resumeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(resumeSpec, argv);
  if (parsed.help) {
    io.stdout.write(`${commandHelp(resumeSpec)}\n`);
    return 0;
  }
  const runDir = path.resolve(parsed.positionals[0]);
  const config = readRunConfig(runDir);
  const source = parsed.options.dataset !== undefined ? datasetArgument('dataset', parsed.options.dataset) : readRunDatasetSource(runDir, config.data.dataset);
  const probe = parsed.options['no-probe'] ? null : probeSettingsFrom(parsed.options, parsed.options.scale === undefined ? experimentProbeSettings(runDir) ?? undefined : undefined);
  await startBackend(io, parsed.options.backend);
  const dataset = await loadDatasetSource(source);
  const label = path.basename(runDir);
  const bar = new ProgressBar(io.stderr);
  io.stderr.write(`resuming ${runDir}\n`);
  const result = await withInterrupt(io, (signal) => resumeTraining(runDir, { dataset, signal, restart: parsed.options.restart === true, onStep: (e) => bar.update(e, label) }));
  bar.done();
  if (result.status === 'stopped') {
    io.stderr.write(`stopped after ${result.step} of ${result.totalSteps} steps; continue with: blockwise-ssl resume ${runDir}\n`);
    return EXIT_INTERRUPTED;
  }
  io.stderr.write(`run complete: ${result.step} of ${result.totalSteps} steps\n`);
  if (probe) await probeAndPrint(runDir, label, probe, dataset, null, io);
  return 0;
}
