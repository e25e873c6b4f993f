import * as assert from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { download } from '../../lib/data/download';

/**
 * A raw loopback server (net, so it can misbehave in ways http.Server would not): /stall answers nothing,
 * /stall-body sends headers and half the body then goes silent, /close-short sends a body without a length
 * and closes early, /range-416 says every range is unsatisfiable for a body of `body.length` bytes.
 */
function hostileServer(body: Buffer): { start(): Promise<string>; stop(): Promise<void>; requests: string[] } {
  const sockets = new Set<net.Socket>();
  const requests: string[] = [];
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.once('data', (d) => {
      const url = d.toString().split(' ')[1];
      requests.push(url);
      if (url === '/stall') return;
      if (url === '/stall-body') {
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
        s.write(body.subarray(0, body.length >> 1));
        return;
      }
      if (url === '/close-short') return void s.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n'), body.subarray(0, 1000)]));
      if (url === '/range-416') return void s.end(`HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */${body.length}\r\nContent-Length: 0\r\n\r\n`);
      s.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    });
  });
  return {
    requests,
    start: () => new Promise((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`))),
    stop: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

describe('reliability: downloads that stall or end short fail, bounded in time', () => {
  const body = crypto.randomBytes(20_000);
  const server = hostileServer(body);
  let base: string;
  let dir: string;
  before(async () => {
    base = await server.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-rel-dl-'));
  });
  after(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a server that never answers fails after the retries, each bounded by timeoutMs', async function () {
    this.timeout(10_000);
    const t0 = Date.now();
    const dest = path.join(dir, 'stall.bin');
    await assert.rejects(
      download({ url: `${base}/stall`, dest, retries: 1, retryDelayMs: 0, timeoutMs: 300 }),
      /stall failed after 2 attempts: no data from .*\/stall for 0\.3 s/,
    );
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
    assert.ok(!fs.existsSync(dest));
  });

  it('a server that goes silent mid-body fails, keeping the bytes received for a resume', async function () {
    this.timeout(10_000);
    const dest = path.join(dir, 'stall-body.bin');
    await assert.rejects(download({ url: `${base}/stall-body`, dest, retries: 0, timeoutMs: 300 }), /failed after 1 attempts: .*kept .*stall-body\.bin\.partial/);
    assert.ok(!fs.existsSync(dest));
    assert.ok(fs.readFileSync(`${dest}.partial`).equals(body.subarray(0, body.length >> 1)));
  });

  it('a body without a length and without a checksum is not taken as complete', async () => {
    const dest = path.join(dir, 'short.bin');
    await assert.rejects(download({ url: `${base}/close-short`, dest, retries: 0 }), /announced no length and no checksum is known, so .*short\.bin\.partial \(1000 bytes\)/);
    assert.ok(!fs.existsSync(dest), 'a file of unknown completeness was renamed into place');
  });

  it('an "unsatisfiable range" answer does not pass off a partial file of another length as whole', async () => {
    const dest = path.join(dir, 'range.bin');
    fs.writeFileSync(`${dest}.partial`, Buffer.alloc(body.length + 5));
    await assert.rejects(download({ url: `${base}/range-416`, dest, retries: 0 }), new RegExp(`range\\.bin\\.partial has ${body.length + 5} bytes, but .* announced ${body.length}`));
    assert.ok(!fs.existsSync(dest));
  });
});
