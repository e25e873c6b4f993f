import { DATASETS, PrepareArgs } from '../lib/data';

export type { PrepareArgs };

/** A dataset the data-scripts know: where it is, how to download it, how to prepare its cache. */
export interface CatalogEntry {
  name: string;
  description: string;
  /** Where it is on this machine, or `null` when absent. */
  where(): string | null;
  /** Downloads it (and unpacks what needs unpacking). */
  get?(): Promise<void>;
  /** Builds its prepared image cache. */
  prepare?(args: PrepareArgs): Promise<void>;
  /** How to obtain it when there is no `get`. */
  howToGet?: string;
}

/** The datasets of the registry (`DATASETS`) that have files to get or prepare, in registry order. */
export const CATALOG: CatalogEntry[] = DATASETS.flatMap((e) => (e.files ? [{ name: e.name, ...e.files }] : []));

/** The catalogue entry called `name`, or an error listing the known names. */
export function catalogEntry(name: string): CatalogEntry {
  const e = CATALOG.find((c) => c.name === name);
  if (!e) throw new Error(`unknown dataset "${name}"; known: ${CATALOG.map((c) => c.name).join(', ')}`);
  return e;
}
