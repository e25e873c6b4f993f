import { adaptiveAugmentationRecipes, TwoViewRecipe } from '../../data/views';
import { ExperimentPreset, Scale } from '../preset';
import type { Claim, RunRef } from '../claims';
import { scaleSettings } from '../scales';
import { makePreset, run, runConfig } from '../run-recipe';

/**
 * Fig. 11 (Appendix A): adaptive augmentations in sequential training (block 1 sees colour jitter only, block 2
 * also mild crops, blocks 3-4 the full recipe) against the same sequential training with the full recipe at every
 * block; and example difficulty-based routing in simultaneous training (the easiest quarter of each batch to
 * block 1, ..., the hardest to block 4; see `RoutingScheme`), "train all below" and two reduced weights for the
 * other blocks, against simultaneous training without routing.
 */
export function fig11(scale: Scale): ExperimentPreset {
  const s = scaleSettings(scale);
  const views = s.data.views as TwoViewRecipe;
  const simultaneous = runConfig(s, { method: 'simultaneous', head: 'lsp' });
  return makePreset(s, 'fig11', {
    title: 'Fig. 11: adaptive augmentations per block',
    finding: 'Easier augmentations for the early blocks lower accuracy significantly, as does difficulty-based routing (numbers shown only as a plot).',
    runs: [
      run('sequential-lsp', 'sequential blockwise, LSP, the full recipe at every block', runConfig(s, { method: 'sequential', head: 'lsp' })),
      run('adaptive-augmentations', 'sequential blockwise, LSP, colour jitter / + mild crops / full / full', runConfig(s, { method: 'sequential', head: 'lsp', views: adaptiveAugmentationRecipes(views) })),
      run('simultaneous-lsp', 'simultaneous blockwise, LSP, no routing', simultaneous),
      run('routing-train-all-below', 'simultaneous, LSP, difficulty routing: an example trains its block and those below', { ...simultaneous, routing: { kind: 'train-all-below' } }),
      run('routing-weight-0p5', 'simultaneous, LSP, difficulty routing: other blocks train with weight 0.5', { ...simultaneous, routing: { kind: 'weighted', otherWeight: 0.5 } }),
      run('routing-weight-0p1', 'simultaneous, LSP, difficulty routing: other blocks train with weight 0.1', { ...simultaneous, routing: { kind: 'weighted', otherWeight: 0.1 } }),
    ],
    notes:
      'Difficulty routing, our reading of Appendix A: an example\'s difficulty is its share of the last block\'s ' +
      'Barlow Twins invariance term in the current step; the batch is cut into equal quartiles by difficulty; each ' +
      'block\'s loss is Barlow Twins over the batch with per-example weights (lib/train/difficulty-routing.ts). ' +
      'The paper does not say which weights its legend lists; 0.5 and 0.1 are ours.',
  });
}

const ref = (run: string): RunRef => ({ figure: 'fig11', run });

/** The paper's claims that Fig. 11 tests, with the paper's numbers (see `checkClaims`). */
export const FIG11_CLAIMS: readonly Claim[] = [
  {
    id: 'adaptive-augmentations-hurt',
    statement: 'Easier augmentations for the early blocks (sequential training) lower accuracy at block 4',
    paper: 'significantly lower (Fig. 11, plot only)',
    test: { kind: 'better', a: ref('sequential-lsp'), b: ref('adaptive-augmentations'), block: 4 },
  },
  {
    id: 'difficulty-routing-hurts',
    statement: 'Routing examples to blocks by difficulty lowers accuracy at block 4, under every weighting tried',
    paper: 'significantly lower (Fig. 11, plot only)',
    test: {
      kind: 'best',
      a: ref('simultaneous-lsp'),
      others: ['routing-train-all-below', 'routing-weight-0p5', 'routing-weight-0p1'].map(ref),
      block: 4,
    },
  },
];
