import { ExperimentPreset, FIGURE_IDS, FigureId, Scale, SCALES } from './preset';
import { fig4 } from './figures/fig04-main-result';
import { fig5 } from './figures/fig05-other-losses';
import { fig6 } from './figures/fig06-pooling';
import { fig7 } from './figures/fig07-first-block';
import { fig8 } from './figures/fig08-cross-correlation';
import { fig9 } from './figures/fig09-invariance-targets';
import { fig10 } from './figures/fig10-lambda';
import { fig11 } from './figures/fig11-adaptive-augmentations';
import { fig12 } from './figures/fig12-cbe-filter-size';
import { fig13 } from './figures/fig13-projector-groups';
import { fig14 } from './figures/fig14-probe-lr';
import { fig15 } from './figures/fig15-robustness';
import { fig16 } from './figures/fig16-cifar10';
import { noise } from './figures/noise';

const BUILDERS: Record<FigureId, (scale: Scale) => ExperimentPreset> = { fig4, fig5, fig6, fig7, fig8, fig9, fig10, fig11, fig12, fig13, fig14, fig15, fig16, noise };

/** Whether `name` is a figure id (`'fig4'`, ..., `'noise'`). */
export function isFigureId(name: string): name is FigureId {
  return (FIGURE_IDS as readonly string[]).includes(name);
}

/** Whether `name` is a scale (`'smoke'`, `'cpu'`, `'paper'`). */
export function isScale(name: string): name is Scale {
  return (SCALES as readonly string[]).includes(name);
}

/**
 * The preset of a figure at a scale: a fresh plain object (change it freely, or with `withOverrides`).
 *
 *     const p = preset('fig4', 'cpu');
 *     console.log(p.runs.map((r) => r.label), p.finding);
 */
export function preset(figure: FigureId, scale: Scale): ExperimentPreset {
  if (!isFigureId(figure)) throw new Error(`preset: unknown figure '${figure}' (one of ${FIGURE_IDS.join(', ')})`);
  if (!isScale(scale)) throw new Error(`preset: unknown scale '${scale}' (one of ${SCALES.join(', ')})`);
  return BUILDERS[figure](scale);
}
