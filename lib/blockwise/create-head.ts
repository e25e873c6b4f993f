import { Rng } from '../nn/rng';
import { PoolingHead } from './pooling-head';
import { GlobalSpatialPooling } from './gsp';
import { LocalSpatialPooling, LocalSpatialPoolingConfig } from './lsp';
import { ConvExpansion, ConvExpansionConfig } from './cbe';

/**
 * Which pooling head a training block gets (paper Sec. 3.3, Fig. 3), as a plain object a preset can hold:
 * - `{ kind: 'gsp' }`: global spatial pooling, width = block channels;
 * - `{ kind: 'lsp', outDim?, grid? }`: local spatial pooling to `outDim` (2048) features;
 * - `{ kind: 'cbe', outChannels?, kernelSize?, groups?, pooling?, eps? }`: conv-based expansion to
 *   `outChannels` (2048) then average (the paper's best, "1x1 CbE + GSP"), L2 or square-root pooling.
 */
export type HeadSpec =
  | { kind: 'gsp' }
  | ({ kind: 'lsp' } & Omit<LocalSpatialPoolingConfig, 'inChannels'>)
  | ({ kind: 'cbe' } & Omit<ConvExpansionConfig, 'inChannels'>);

/** The head `spec` describes for a block output with `inChannels` channels; `rng` draws CbE's conv weights. */
export function createHead(spec: HeadSpec, inChannels: number, rng: Rng): PoolingHead {
  switch (spec.kind) {
    case 'gsp':
      return new GlobalSpatialPooling(inChannels);
    case 'lsp': {
      const { kind: _, ...rest } = spec;
      return new LocalSpatialPooling({ ...rest, inChannels });
    }
    case 'cbe': {
      const { kind: _, ...rest } = spec;
      return new ConvExpansion({ ...rest, inChannels }, rng);
    }
    default:
      throw new Error(`createHead: unknown head kind '${(spec as { kind: unknown }).kind}'`);
  }
}
