import * as fs from 'fs';

/**
 * The rows of a CSV table written by `appendTableRows` (a header line, RFC 4180 quoting), each as column -> cell
 * text (an empty cell is `''`). A missing file is an empty table.
 */
export function readTableRows(file: string): Record<string, string>[] {
  if (!fs.existsSync(file)) return [];
  const records = parseCsv(fs.readFileSync(file, 'utf8'));
  if (records.length === 0) return [];
  const [header, ...rows] = records;
  return rows.map((cells, i) => {
    if (cells.length !== header.length) throw new Error(`readTableRows: ${file}, row ${i + 2} has ${cells.length} cells for ${header.length} columns`);
    return Object.fromEntries(header.map((h, j) => [h, cells[j]]));
  });
}

/** CSV text -> records of cells; quoted cells may hold commas, doubled quotes and line breaks; blank lines are skipped. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      if (cells.length > 1 || cells[0] !== '') records.push(cells);
      cells = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || cells.length > 0) {
    cells.push(cell);
    records.push(cells);
  }
  return records;
}
