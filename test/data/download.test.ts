import * as assert from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { download } from '../../lib/data/download';

/**
 * A loopback HTTP server for one test file: serves `body` at /file with Range support, /moved redirects
 * there, /ignore-range always answers 200 with the whole body, /flaky closes the connection after `dropAfter`
 * bytes on its first `flakyDrops` requests, /missing is a 404. Every request is logged.
 */
class FileServer {
  readonly log: { path: string; range: string | undefined }[] = [];
  flakyDrops = 0;
  dropAfter = 0;
  private server!: http.Server;

  constructor(readonly body: Buffer) {}

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      this.log.push({ path: req.url ?? '', range: req.headers.range });
      const url = req.url ?? '';
      if (url === '/moved') {
        res.writeHead(302, { Location: '/file' });
        return res.end();
      }
      if (url === '/missing') {
        res.writeHead(404);
        return res.end();
      }
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      if (url === '/flaky' && this.flakyDrops > 0) {
        this.flakyDrops--;
        const from = m ? Number(m[1]) : 0;
        const head = m ? { 'Content-Range': `bytes ${from}-${this.body.length - 1}/${this.body.length}` } : {};
        res.writeHead(m ? 206 : 200, { ...head, 'Content-Length': this.body.length - from });
        res.write(this.body.subarray(from, from + this.dropAfter), () => res.socket?.end());
        return;
      }
      if (m && url !== '/ignore-range') {
        const from = Number(m[1]);
        if (from >= this.body.length) {
          res.writeHead(416, { 'Content-Range': `bytes */${this.body.length}` });
          return res.end();
        }
        res.writeHead(206, { 'Content-Range': `bytes ${from}-${this.body.length - 1}/${this.body.length}`, 'Content-Length': this.body.length - from });
        return res.end(this.body.subarray(from));
      }
      res.writeHead(200, { 'Content-Length': this.body.length });
      res.end(this.body);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

describe('data/download (against a loopback HTTP server)', () => {
  const body = crypto.randomBytes(300_000);
  const md5 = crypto.createHash('md5').update(body).digest('hex');
  const server = new FileServer(body);
  let base: string;
  let dir: string;

  before(async () => {
    base = await server.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-dl-'));
  });
  after(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    server.log.length = 0;
  });

  it('downloads, reports progress up to the total, verifies the MD5, and keeps a present file', async () => {
    const dest = path.join(dir, 'a.bin');
    const progress: [number, number | null][] = [];
    const r = await download({ url: `${base}/file`, dest, md5, onProgress: (n, t) => progress.push([n, t]) });
    assert.ok(fs.readFileSync(dest).equals(body));
    assert.deepStrictEqual([r.present, r.resumed, r.bytes], [false, false, body.length]);
    assert.deepStrictEqual(progress[progress.length - 1], [body.length, body.length]);
    assert.ok(progress.every(([n], i) => i === 0 || n >= progress[i - 1][0]), 'progress went backwards');
    const again = await download({ url: `${base}/file`, dest, md5 });
    assert.strictEqual(again.present, true);
    assert.strictEqual(server.log.length, 1, 'a present file was fetched again');
  });

  it('resumes a partial file with an HTTP Range request', async () => {
    const dest = path.join(dir, 'b.bin');
    fs.writeFileSync(`${dest}.partial`, body.subarray(0, 120_000));
    const r = await download({ url: `${base}/moved`, dest, md5 });
    assert.ok(fs.readFileSync(dest).equals(body));
    assert.strictEqual(r.resumed, true);
    assert.deepStrictEqual(server.log.map((l) => l.range), ['bytes=120000-', 'bytes=120000-']); // the redirect, then the file
    assert.ok(!fs.existsSync(`${dest}.partial`));
  });

  it('continues after dropped connections, a bounded number of times', async () => {
    server.flakyDrops = 2;
    server.dropAfter = 100_000;
    const dest = path.join(dir, 'c.bin');
    const r = await download({ url: `${base}/flaky`, dest, md5, retryDelayMs: 0 });
    assert.ok(fs.readFileSync(dest).equals(body));
    assert.strictEqual(r.resumed, true);
    // Each retry asks for the bytes after those already on disk (bytes still buffered in the aborted response are lost).
    const offsets = server.log.map((l) => (l.range ? Number(/\d+/.exec(l.range)![0]) : 0));
    assert.strictEqual(offsets.length, 3);
    assert.ok(offsets[0] === 0 && offsets[1] > 0 && offsets[2] > offsets[1] && offsets[2] <= 200_000, `offsets ${offsets}`);

    server.flakyDrops = 100;
    server.dropAfter = 10;
    server.log.length = 0;
    const stuck = path.join(dir, 'stuck.bin');
    await assert.rejects(download({ url: `${base}/flaky`, dest: stuck, retries: 2, retryDelayMs: 0 }), /failed after 3 attempts.*kept .*stuck\.bin\.partial/);
    assert.strictEqual(server.log.length, 3);
    server.flakyDrops = 0;
  });

  it('starts over when the server ignores the range', async () => {
    const dest = path.join(dir, 'd.bin');
    fs.writeFileSync(`${dest}.partial`, Buffer.alloc(5000, 1));
    const r = await download({ url: `${base}/ignore-range`, dest, md5 });
    assert.ok(fs.readFileSync(dest).equals(body));
    assert.strictEqual(r.resumed, false);
  });

  it('a checksum mismatch names the file and deletes it; HTTP errors name the URL', async () => {
    const dest = path.join(dir, 'e.bin');
    await assert.rejects(download({ url: `${base}/file`, dest, md5: '0'.repeat(32) }), /checksum mismatch for .*e\.bin/);
    assert.ok(!fs.existsSync(dest) && !fs.existsSync(`${dest}.partial`));
    await assert.rejects(download({ url: `${base}/missing`, dest }), /\/missing answered HTTP 404/);
  });
});
