/** "Did you mean" hints for misspelt words (command names, options, config keys). */

/** The distance between two words (insertions, deletions, substitutions), for "did you mean". */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

/** ` (did you mean X?)` for the closest of `known` when it is close, else empty. */
export function suggestion(word: string, known: readonly string[]): string {
  const best = known.map((k) => ({ k, d: editDistance(word, k) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? ` (did you mean ${best.k}?)` : '';
}
