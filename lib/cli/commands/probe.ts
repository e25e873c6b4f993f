import * as path from 'path';
import { loadDatasetSource } from '../../data/dataset-source';
import { runViewRecipe } from '../../experiments/probe-run';
import { readRunConfig } from '../../train/load-run';
import { readRunDatasetSource } from '../../train/run-folder';
import { CommandSpec, commandHelp, parseCommand } from '../args';
import { BACKEND_OPTION, datasetArgument, CliIo, experimentProbeSettings, startBackend } from '../common';
import { PROBE_OPTIONS, SCALE_OPTION, probeSettingsFrom } from '../probe-options';
import { probeAndPrint } from './train';

export const probeSpec: CommandSpec = {
  name: 'probe',
  summary: 'Probe a trained run at every block: linear probes and kNN on frozen features in eval mode; print the per-block accuracy table.',
  positionals: [{ name: 'runDir', description: 'the run folder (its newest checkpoint is probed)' }],
  options: [
    {
      name: 'dataset',
      kind: 'string',
      placeholder: 'NAME|PATH',
      description: 'probe on this dataset instead of the run\'s own (split 90/10 as the run split its images): a name or an image folder / tarball',
    },
    { name: 'eval-dataset', kind: 'string', placeholder: 'NAME|PATH', description: 'score the probes on this dataset (e.g. fashion-mnist-test) instead of the held-out split' },
    SCALE_OPTION,
    ...PROBE_OPTIONS,
    BACKEND_OPTION,
  ],
  details:
    'Folder datasets are read at the run\'s view size with its channels. Probe settings: those of the experiment the folder\n' +
    'belongs to (its parent\'s preset.json), else of --scale. Rows are appended to the run\'s probes.csv.\n\n' +
    'examples:\n' +
    '  blockwise-ssl probe runs/fig4-cpu/end-to-end --eval-dataset fashion-mnist-test\n' +
    '  blockwise-ssl probe runs/mine --dataset ../shared/datasets/cifar10-jpg-train.tar.gz --features gsp',
};

export async function probeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(probeSpec, argv);
  if (parsed.help) {
    io.stdout.write(`${commandHelp(probeSpec)}\n`);
    return 0;
  }
  const runDir = path.resolve(parsed.positionals[0]);
  const config = readRunConfig(runDir);
  const size = runViewRecipe(config).view1.crop.size;
  const like = { imageSize: typeof size === 'number' ? size : size[0], channels: config.model.backbone.inChannels ?? 3 };
  const source = parsed.options.dataset !== undefined ? datasetArgument('dataset', parsed.options.dataset, like) : readRunDatasetSource(runDir, config.data.dataset);
  const evalSource = parsed.options['eval-dataset'] !== undefined ? datasetArgument('eval-dataset', parsed.options['eval-dataset'], like) : null;
  const settings = probeSettingsFrom(parsed.options, parsed.options.scale === undefined ? experimentProbeSettings(runDir) ?? undefined : undefined);
  await startBackend(io, parsed.options.backend);
  const dataset = await loadDatasetSource(source);
  const evalDataset = evalSource ? await loadDatasetSource(evalSource, { classNames: dataset.classNames }) : null;
  await probeAndPrint(runDir, path.basename(runDir), settings, dataset, evalDataset, io);
  return 0;
}
