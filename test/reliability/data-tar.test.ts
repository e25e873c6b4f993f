import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { readTarFile } from '../../lib/data';

async function count(file: string): Promise<number> {
  let n = 0;
  for await (const e of readTarFile(file)) if (e.type === 'file') n++;
  return n;
}

/** A plain tar of three 700-byte files made by GNU tar: headers at 0, 1536 and 3072, the end blocks at 4608. */
describe('reliability: a cut tar archive is an error, never a shorter dataset', () => {
  let dir: string;
  let good: Buffer;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-rel-tar-'));
    fs.mkdirSync(path.join(dir, 'src'));
    for (const f of ['a', 'b', 'c']) fs.writeFileSync(path.join(dir, 'src', f), Buffer.alloc(700, f.charCodeAt(0)));
    execFileSync('tar', ['--format=gnu', '-cf', path.join(dir, 'good.tar'), '-C', path.join(dir, 'src'), 'a', 'b', 'c']);
    good = fs.readFileSync(path.join(dir, 'good.tar'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the whole archive with its end-of-archive blocks', async () => {
    assert.strictEqual(await count(path.join(dir, 'good.tar')), 3);
  });

  it('an archive cut at an entry boundary names the file and the offset', async () => {
    const cut = path.join(dir, 'boundary.tar');
    fs.writeFileSync(cut, good.subarray(0, 3072)); // after the second entry's data
    await assert.rejects(count(cut), /boundary\.tar is truncated: it ends at byte 3072 without the end-of-archive/);
  });

  it('an archive cut inside a header names the file and the offset', async () => {
    const cut = path.join(dir, 'header.tar');
    fs.writeFileSync(cut, good.subarray(0, 3072 + 300));
    await assert.rejects(count(cut), /header\.tar is truncated: it ends inside a header \(300 of 512 bytes at byte 3072\)/);
  });

  it('a gzip stream cut short (inside the data, or only its trailer missing) is an error naming the file', async () => {
    const gz = zlib.gzipSync(good);
    for (const [name, bytes] of [['mid.tar.gz', gz.length >> 1], ['trailer.tar.gz', gz.length - 4]] as const) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, gz.subarray(0, bytes));
      await assert.rejects(count(file), new RegExp(`tar: reading .*${name.replace(/\./g, '\\.')} failed after byte \\d+: unexpected end of file`));
    }
  });
});
