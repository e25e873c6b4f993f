import { ExperimentPreset, FigureDefinition, FigureId, Scale, SCALES } from './preset';
import { FIG4_CLAIMS, fig4 } from './figures/fig04-main-result';
import { fig5 } from './figures/fig05-other-losses';
import { FIG6_CLAIMS, fig6 } from './figures/fig06-pooling';
import { FIG7_CLAIMS, fig7 } from './figures/fig07-first-block';
import { fig8 } from './figures/fig08-cross-correlation';
import { fig9 } from './figures/fig09-invariance-targets';
import { fig10 } from './figures/fig10-lambda';
import { FIG11_CLAIMS, fig11 } from './figures/fig11-adaptive-augmentations';
import { FIG12_CLAIMS, fig12 } from './figures/fig12-cbe-filter-size';
import { FIG13_CLAIMS, fig13 } from './figures/fig13-projector-groups';
import { fig14 } from './figures/fig14-probe-lr';
import { fig15 } from './figures/fig15-robustness';
import { FIG16_CLAIMS, fig16 } from './figures/fig16-cifar10';
import { NOISE_CLAIMS, noise } from './figures/noise';

/**
 * Every figure, in the paper's order: its preset builder and the claims its runs test (see `FigureDefinition`).
 * Adding a figure is one file in `figures/` and one line here; `FigureId` is this table's keys.
 */
export const FIGURES = {
  fig4: { preset: fig4, claims: FIG4_CLAIMS },
  fig5: { preset: fig5, claims: [] },
  fig6: { preset: fig6, claims: FIG6_CLAIMS },
  fig7: { preset: fig7, claims: FIG7_CLAIMS },
  fig8: { preset: fig8, claims: [] },
  fig9: { preset: fig9, claims: [] },
  fig10: { preset: fig10, claims: [] },
  fig11: { preset: fig11, claims: FIG11_CLAIMS },
  fig12: { preset: fig12, claims: FIG12_CLAIMS },
  fig13: { preset: fig13, claims: FIG13_CLAIMS },
  fig14: { preset: fig14, claims: [] },
  fig15: { preset: fig15, claims: [] },
  fig16: { preset: fig16, claims: FIG16_CLAIMS },
  noise: { preset: noise, claims: NOISE_CLAIMS },
} satisfies Record<string, FigureDefinition>;

/** Every `FigureId`, in the paper's order. */
export const FIGURE_IDS = Object.keys(FIGURES) as readonly FigureId[];

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
  return FIGURES[figure].preset(scale);
}
