import * as fs from 'fs';
import { pipeline } from 'stream';
import * as zlib from 'zlib';

/** One member of a tar archive. `data` holds a regular file's bytes (empty for other kinds). */
export interface TarEntry {
  path: string;
  type: 'file' | 'directory' | 'other';
  size: number;
  data: Buffer;
}

const BLOCK = 512;

/** Reads a NUL- or space-terminated string field. */
function field(h: Buffer, start: number, length: number): string {
  let end = start;
  while (end < start + length && h[end] !== 0) end++;
  return h.toString('utf8', start, end);
}

/** Reads an octal number field, or a base-256 one (GNU, for sizes of 8 GiB and more: top bit of the first byte set). */
function numberField(h: Buffer, start: number, length: number): number {
  if (h[start] & 0x80) {
    let v = h[start] & 0x7f;
    for (let i = start + 1; i < start + length; i++) v = v * 256 + h[i];
    return v;
  }
  const s = field(h, start, length).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

/** The pax extended-header records `"<len> key=value\n"` that name a path. */
function paxPath(data: Buffer): string | null {
  let pos = 0;
  let found: string | null = null;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const len = parseInt(data.toString('utf8', pos, space), 10);
    if (!(len > 0)) break;
    const record = data.toString('utf8', space + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0 && record.slice(0, eq) === 'path') found = record.slice(eq + 1);
    pos += len;
  }
  return found;
}

/**
 * Reads a tar stream (POSIX ustar, GNU long names, pax `path` records) entry by entry, without extracting
 * anything to disk. Each file entry is buffered whole, which suits datasets of many small images. A header
 * whose checksum is wrong, or an archive that ends before its end-of-archive zero block (inside an entry,
 * inside a header or at an entry boundary), raises an error naming `source` and the byte offset; so does a
 * truncated gzip stream.
 */
export async function* readTar(input: AsyncIterable<Buffer>, source = 'tar stream'): AsyncGenerator<TarEntry> {
  const it = input[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let available = 0;
  let offset = 0;

  const fill = async (n: number): Promise<boolean> => {
    while (available < n) {
      let r: IteratorResult<Buffer>;
      try {
        r = await it.next();
      } catch (e) {
        throw new Error(`tar: reading ${source} failed after byte ${offset + available}: ${(e as Error).message}`);
      }
      if (r.done) return false;
      const c = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
      chunks.push(c);
      available += c.length;
    }
    return true;
  };
  const take = (n: number): Buffer => {
    available -= n;
    offset += n;
    if (chunks[0].length >= n) {
      const b = chunks[0].subarray(0, n);
      chunks[0] = chunks[0].subarray(n);
      if (chunks[0].length === 0) chunks.shift();
      return b;
    }
    const out = Buffer.allocUnsafe(n);
    let o = 0;
    while (o < n) {
      const c = chunks[0];
      const k = Math.min(c.length, n - o);
      c.copy(out, o, 0, k);
      o += k;
      if (k === c.length) chunks.shift();
      else chunks[0] = c.subarray(k);
    }
    return out;
  };
  const readBody = async (size: number, what: string): Promise<Buffer> => {
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (!(await fill(padded))) throw new Error(`tar: ${source} ends inside ${what} (at byte ${offset})`);
    return take(padded).subarray(0, size);
  };

  let longName: string | null = null;
  let paxName: string | null = null;
  try {
    for (;;) {
      // A tar archive ends with zero blocks; without one the archive was cut (at an entry boundary or inside a header).
      if (!(await fill(BLOCK))) {
        const where = available > 0 ? `inside a header (${available} of ${BLOCK} bytes at byte ${offset})` : `at byte ${offset}`;
        throw new Error(`tar: ${source} is truncated: it ends ${where} without the end-of-archive zero blocks`);
      }
      const headerAt = offset;
      const h = take(BLOCK);
      if (h.every((b) => b === 0)) {
        // Reads the rest (record padding) so that a gzip stream cut after the archive still fails its trailer check.
        while (await fill(available + 1)) take(available);
        return;
      }
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
      const stored = numberField(h, 148, 8);
      if (stored !== sum) {
        throw new Error(`tar: ${source} has a corrupt header at byte ${headerAt} (checksum ${stored}, computed ${sum})`);
      }
      const type = String.fromCharCode(h[156] || 0x30);
      const size = numberField(h, 124, 12);
      let name = field(h, 0, 100);
      if (field(h, 257, 5) === 'ustar' && h[263] === 0x30) {
        const prefix = field(h, 345, 155);
        if (prefix) name = `${prefix}/${name}`;
      }
      if (type === 'L') {
        longName = (await readBody(size, `a long-name record at byte ${headerAt}`)).toString('utf8').replace(/\0+$/, '');
        continue;
      }
      if (type === 'x') {
        paxName = paxPath(await readBody(size, `a pax header at byte ${headerAt}`)) ?? paxName;
        continue;
      }
      const entryPath = paxName ?? longName ?? name;
      longName = null;
      paxName = null;
      const kind = type === '0' || type === '7' ? 'file' : type === '5' ? 'directory' : 'other';
      const data = await readBody(size, `entry ${entryPath} (header at byte ${headerAt})`);
      yield { path: entryPath, type: kind, size, data: kind === 'file' ? data : Buffer.alloc(0) };
    }
  } finally {
    // Stops the underlying stream (and closes its file) when the consumer breaks out early.
    await it.return?.();
  }
}

/** Whether `file` starts with the gzip magic bytes. */
export function isGzipFile(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(2);
    return fs.readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}

/** Streams the entries of a `.tar` file, or a gzipped one (`.tar.gz`, `.tgz`: recognised by its magic bytes). */
export function readTarFile(file: string): AsyncGenerator<TarEntry> {
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  // pipeline() destroys the file stream too when the reader stops early or gunzip fails.
  const stream = isGzipFile(file) ? pipeline(raw, zlib.createGunzip({ chunkSize: 1 << 20 }), () => undefined) : raw;
  return readTar(stream as AsyncIterable<Buffer>, file);
}
