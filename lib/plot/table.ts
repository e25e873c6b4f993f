/** One table row: column name -> value. */
export type TableRow = Readonly<Record<string, string | number>>;

export interface TableOptions {
  /** Columns in order; default the keys of the rows in order of first appearance. */
  columns?: readonly string[];
  /** Decimals shown for non-integer numbers; default 3. */
  digits?: number;
}

/**
 * A Markdown table of `rows` (a header, then one line per row; a missing value is an empty cell). Integers print
 * as they are, other numbers with `digits` decimals; numeric columns are right-aligned.
 *
 *     markdownTable([{ block: 1, median: 0.8123 }, { block: 2, median: 0.7 }]);
 *     // | block | median |
 *     // |------:|-------:|
 *     // |     1 |  0.812 |
 *     // |     2 |  0.700 |
 */
export function markdownTable(rows: readonly TableRow[], { columns, digits = 3 }: TableOptions = {}): string {
  if (rows.length === 0) throw new Error('markdownTable: no rows');
  if (!(Number.isInteger(digits) && digits >= 0)) throw new Error(`markdownTable: digits must be an integer >= 0, got ${digits}`);
  const cols = columns ? [...columns] : [...new Set(rows.flatMap((r) => Object.keys(r)))];
  if (cols.length === 0) throw new Error('markdownTable: no columns');
  const format = (v: string | number | undefined): string => {
    if (v === undefined) return '';
    if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(digits);
    return v.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  };
  const cells = rows.map((r) => cols.map((c) => format(r[c])));
  const numeric = cols.map((c) => rows.every((r) => r[c] === undefined || typeof r[c] === 'number'));
  const widths = cols.map((c, j) => Math.max(3, c.length, ...cells.map((row) => row[j].length)));
  const line = (values: string[]): string =>
    `| ${values.map((v, j) => (numeric[j] ? v.padStart(widths[j]) : v.padEnd(widths[j]))).join(' | ')} |`;
  const rule = `|${widths.map((w, j) => (numeric[j] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(cols), rule, ...cells.map(line)].join('\n');
}
