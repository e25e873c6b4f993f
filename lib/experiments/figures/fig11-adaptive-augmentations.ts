import { adaptiveAugmentationRecipes, TwoViewRecipe } from '../../data/views';
import { ExperimentPreset, Scale } from '../preset';
import { scaleSettings } from '../scales';
import { makePreset, run, runConfig } from '../run-recipe';

/**
 * Fig. 11 (Appendix A): adaptive augmentations in sequential training (block 1 sees colour jitter only, block 2
 * also mild crops, blocks 3-4 the full recipe) against the same sequential training with the full recipe at every
 * block. The paper's other Fig. 11 variant, difficulty-based routing of examples to blocks, has no trainer here.
 */
export function fig11(scale: Scale): ExperimentPreset {
  const s = scaleSettings(scale);
  const views = s.data.views as TwoViewRecipe;
  return makePreset(s, 'fig11', {
    title: 'Fig. 11: adaptive augmentations per block',
    finding: 'Easier augmentations for the early blocks lower accuracy significantly, as does difficulty-based routing (numbers shown only as a plot).',
    runs: [
      run('sequential-lsp', 'sequential blockwise, LSP, the full recipe at every block', runConfig(s, { method: 'sequential', head: 'lsp' })),
      run('adaptive-augmentations', 'sequential blockwise, LSP, colour jitter / + mild crops / full / full', runConfig(s, { method: 'sequential', head: 'lsp', views: adaptiveAugmentationRecipes(views) })),
    ],
    notes: 'Difficulty-based routing is not reproduced (no trainer routes examples to blocks).',
  });
}
