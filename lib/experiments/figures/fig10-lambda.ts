import { PAPER_LAMBDA } from '../../losses/barlow-twins';
import { ExperimentPreset, Scale } from '../preset';
import { scaleSettings } from '../scales';
import { makePreset, run, runConfig } from '../run-recipe';

/**
 * The first block's lambda values of Fig. 10. The paper plots a range above Barlow Twins' 0.0051 without listing
 * it; these values (our choice) span two orders of magnitude.
 */
export const FIRST_BLOCK_LAMBDAS = [PAPER_LAMBDA, 0.02, 0.1, 0.5];

/**
 * Fig. 10 (Appendix A): lambda of the first block. As in the paper, only block 1 is a block of its own; blocks 2-4
 * train end-to-end as one block (partition `[[0], [1, 2, 3]]`), each block with LSP and its own loss.
 */
export function fig10(scale: Scale): ExperimentPreset {
  const s = scaleSettings(scale);
  return makePreset(s, 'fig10', {
    title: 'Fig. 10: lambda of the first block',
    finding: 'Changing the first block\'s lambda has a negligible effect; very large values hurt (numbers shown only as a plot).',
    runs: FIRST_BLOCK_LAMBDAS.map((lambda) =>
      run(
        `lambda-${String(lambda).replace('.', 'p')}`,
        `block 1 with lambda ${lambda}, blocks 2-4 as one block with 0.0051`,
        runConfig(s, {
          method: 'simultaneous',
          head: 'lsp',
          partition: [[0], [1, 2, 3]],
          loss: [
            { kind: 'barlow-twins', lambda },
            { kind: 'barlow-twins', lambda: PAPER_LAMBDA },
          ],
        }),
      ),
    ),
  });
}
