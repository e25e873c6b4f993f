import { ExperimentPreset, Scale } from '../preset';
import type { Claim, RunRef } from '../claims';
import { scaleSettings } from '../scales';
import { cbe, makePreset, run, runConfig } from '../run-recipe';

/** Groups of the grouped CbE convolution of Fig. 13; the paper does not give the number (our choice). */
export const CBE_GROUPS = 4;

/**
 * Fig. 13 (Appendix B): a projector with twice the hidden width (8192 -> 16384 at paper scale, the output width
 * unchanged) and a grouped convolution in the CbE head, against the 1x1 CbE + GSP baseline (simultaneous, no noise).
 */
export function fig13(scale: Scale): ExperimentPreset {
  const s = scaleSettings(scale);
  const wide = [...s.projector.slice(0, -1).map((w) => 2 * w), s.projector[s.projector.length - 1]];
  return makePreset(s, 'fig13', {
    title: 'Fig. 13: projector width and grouped CbE',
    finding:
      'A 16384-wide projector raises the early blocks and lowers the last; a grouped convolution in the expansion costs a little ' +
      'accuracy (numbers shown only as a plot).',
    runs: [
      run('baseline', `1x1 CbE + GSP, projector ${s.projector.join('-')}`, runConfig(s, { method: 'simultaneous', head: 'cbe' })),
      run('wide-projector', `1x1 CbE + GSP, projector ${wide.join('-')}`, runConfig(s, { method: 'simultaneous', head: 'cbe', projector: wide })),
      run('grouped-cbe', `1x1 CbE with ${CBE_GROUPS} groups + GSP`, runConfig(s, { method: 'simultaneous', head: cbe(s, { groups: CBE_GROUPS }) })),
    ],
  });
}

const ref = (run: string): RunRef => ({ figure: 'fig13', run });

/** The paper's claims that Fig. 13 tests, with the paper's numbers (see `checkClaims`). */
export const FIG13_CLAIMS: readonly Claim[] = [
  {
    id: 'wider-projector-helps-early-hurts-last',
    statement: 'A projector twice as wide helps the first block and hurts the last',
    paper: '16384 vs 8192: higher at early blocks, lower at block 4 (Fig. 13, plot only)',
    test: {
      kind: 'all',
      parts: [
        { kind: 'better', a: ref('wide-projector'), b: ref('baseline'), block: 1 },
        { kind: 'better', a: ref('baseline'), b: ref('wide-projector'), block: 4 },
      ],
    },
  },
  {
    id: 'grouped-cbe-costs-little',
    statement: 'A grouped convolution in the CbE head costs little at block 4',
    paper: 'a minor loss (Fig. 13, plot only)',
    test: { kind: 'near', a: ref('grouped-cbe'), b: ref('baseline'), block: 4, tolerance: 2 },
  },
];
