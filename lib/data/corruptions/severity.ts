/**
 * Severity tables of the common-corruptions benchmark (Hendrycks & Dietterich, 2019), as in its published
 * reference implementation (github.com/hendrycks/robustness, ImageNet-C/create_c/make_cifar_c.py for 32x32
 * CIFAR-10-C and make_imagenet_c.py for 224x224 ImageNet-C). All fifteen tables were checked against
 * make_cifar_c.py (commit ca36008) and make_imagenet_c.py (commit e0377d4).
 *
 * Images of 32x32 use the CIFAR table; every other size uses the ImageNet table (the benchmark defines no
 * other sizes; the ImageNet constants are per-pixel intensities, so they carry over most directly).
 */
export type SeverityTable<T> = { cifar: readonly T[]; imagenet: readonly T[] };

export function checkSeverity(name: string, severity: number): void {
  if (!Number.isInteger(severity) || severity < 1 || severity > 5)
    throw new Error(`corrupt(${name}): severity must be an integer 1-5, got ${severity}`);
}

/** The constant for `severity` (1-5) of an image of height `h` and width `w`. */
export function pick<T>(table: SeverityTable<T>, severity: number, h: number, w: number): T {
  const row = h === 32 && w === 32 ? table.cifar : table.imagenet;
  return row[severity - 1];
}
