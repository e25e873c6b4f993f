import * as fs from 'fs';
import * as aq from 'arquero';

/**
 * The rows of a CSV table written by `appendTableRows` (a header line, RFC 4180 quoting), each as column -> cell
 * text (an empty cell is `''`). A missing or empty file is an empty table; blank lines are skipped.
 *
 * Parsing is arquero's `fromCSV`, without type inference (callers convert the columns they know). arquero sizes
 * the table by the header, so a row with fewer cells (a line torn by a killed writer, a hand edit) shows up as
 * missing cells and is an error naming the file and row; cells beyond the header's width are not seen.
 */
export function readTableRows(file: string): Record<string, string>[] {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8');
  if (text.trim() === '') return [];
  const table = aq.fromCSV(text, { header: false, autoType: false });
  const names = table.columnNames();
  const records = table.objects() as Record<string, string | null | undefined>[];
  const [header, ...rows] = records.map((r) => names.map((n) => r[n]));
  const columns = header.map((h) => h ?? '');
  const out: Record<string, string>[] = [];
  for (const cells of rows) {
    const given = cells.filter((c) => c !== undefined).length;
    if (given === 1 && cells[0] === null) continue;
    // Rows are counted as records after the header (row 1), blank lines left out.
    if (given !== columns.length) throw new Error(`readTableRows: ${file}, row ${out.length + 2} has ${given} cells for ${columns.length} columns`);
    out.push(Object.fromEntries(columns.map((h, j) => [h, cells[j] ?? ''])));
  }
  return out;
}
