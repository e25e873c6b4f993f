/** Returns `v` if it is a finite number >= 0, else throws naming `owner` and `what`. */
export function nonNegative(owner: string, what: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new Error(`${owner}: ${what} ${v} is not a finite number >= 0`);
  return v;
}

/** Returns `v` if it is an integer >= `min`, else throws naming `owner` and `what`. */
export function integerAtLeast(owner: string, what: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new Error(`${owner}: ${what} ${v} is not an integer >= ${min}`);
  return v;
}
