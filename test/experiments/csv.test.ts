import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readTableRows } from '../../lib/experiments/csv';
import { appendTableRows } from '../../lib/train/run-folder';

describe('experiments/csv', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blockwise-csv-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads back what appendTableRows wrote: quoted commas, quotes and line breaks, empty cells, booleans', () => {
    const file = path.join(dir, 'round-trip.csv');
    appendTableRows(file, [{ block: 1, accuracy: 0.5, note: 'a, "b"' }]);
    appendTableRows(file, [{ accuracy: 0.75, block: 2, note: null }, { note: 'x\r\ny', block: 3, accuracy: true }]);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'block,accuracy,note\n1,0.5,"a, ""b"""\n2,0.75,\n3,true,"x\r\ny"\n');
    assert.deepStrictEqual(readTableRows(file), [
      { block: '1', accuracy: '0.5', note: 'a, "b"' },
      { block: '2', accuracy: '0.75', note: '' },
      { block: '3', accuracy: 'true', note: 'x\r\ny' },
    ]);
  });

  it('skips blank lines, reads CRLF files, and a missing or empty file is an empty table', () => {
    const file = path.join(dir, 'blank.csv');
    fs.writeFileSync(file, 'a,b\r\n\r\n1,2\r\n\n3,\n');
    assert.deepStrictEqual(readTableRows(file), [{ a: '1', b: '2' }, { a: '3', b: '' }]);
    fs.writeFileSync(file, 'a\n1\n\n2\n');
    assert.deepStrictEqual(readTableRows(file), [{ a: '1' }, { a: '2' }]);
    fs.writeFileSync(file, '');
    assert.deepStrictEqual(readTableRows(file), []);
    assert.deepStrictEqual(readTableRows(path.join(dir, 'absent.csv')), []);
  });

  it('a row with missing cells (a torn last line) is an error naming the file and the row', () => {
    const file = path.join(dir, 'torn.csv');
    fs.writeFileSync(file, 'a,b,c\n1,2,3\n\n4,5');
    assert.throws(() => readTableRows(file), new RegExp(`readTableRows: ${file}, row 3 has 2 cells for 3 columns`));
  });
});
