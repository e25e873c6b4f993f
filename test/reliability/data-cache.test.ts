import * as assert from 'assert';
import { execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { InMemoryImageDataset, loadImageFolder, lockImageCache, openImageCache, prepareImageFolder } from '../../lib/data';

const H = 12;
const W = 10;
/** Deterministic RGB pixels of image `seed`. */
function pixels(seed: number): Uint8Array {
  return Uint8Array.from({ length: H * W * 3 }, (_, i) => (i * 7 + seed * 29 + 1) % 256);
}

/** Writes `n` PNGs in three class folders; image k (sorted order) has pixels(seed k). */
async function writeFolder(root: string, n: number): Promise<void> {
  for (let k = 0; k < n; k++) {
    const file = path.join(root, `c${Math.floor((k * 3) / n)}`, `img${String(k).padStart(4, '0')}.png`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await sharp(Buffer.from(pixels(k)), { raw: { width: W, height: H, channels: 3 } }).png().toFile(file);
  }
}

/** Asserts every image of the cache in `dir` holds exactly its source pixels. */
async function assertExact(dir: string, n: number): Promise<void> {
  const ds = (await openImageCache(dir, { inMemory: true })) as InMemoryImageDataset;
  assert.strictEqual(ds.size, n);
  for (let k = 0; k < n; k++) {
    const got = ds.readSync([k]);
    const want = pixels(k);
    assert.ok(Buffer.from(got).equals(Buffer.from(want)), `image ${k} differs from its source (first byte ${got[0]}, expected ${want[0]})`);
  }
}

/** Runs `script` in a child node process; resolves with its exit code (or the error) and stderr. */
function runNode(script: string): Promise<{ code: number | string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', script], { timeout: 60_000 }, (err, _stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number | string }).code ?? err.message : 0, stderr });
    });
  });
}

describe('reliability: the prepared image cache under concurrent writers, killed writers and corruption', function () {
  this.timeout(60_000);
  const N = 90;
  const lib = path.resolve(__dirname, '..', '..', 'lib', 'data');
  let dir: string;
  let src: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-rel-cache-'));
    src = path.join(dir, 'src');
    await writeFolder(src, N);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('two concurrent preparations in one process end with one exact cache', async () => {
    const cacheDir = path.join(dir, 'cache-async');
    const [a, b] = await Promise.all([
      prepareImageFolder(src, { cacheDir, concurrency: 4 }),
      prepareImageFolder(src, { cacheDir, concurrency: 4 }),
    ]);
    assert.strictEqual(a.meta.size, N);
    assert.strictEqual(b.meta.size, N);
    await assertExact(cacheDir, N);
    assert.deepStrictEqual(fs.readdirSync(cacheDir).sort(), ['images.u8', 'labels.i32', 'meta.json'], 'temporary files or the lock were left behind');
  });

  it('two concurrent loads decode once: the second waits for the first and keeps its cache', async () => {
    const cacheDir = path.join(dir, 'cache-loads');
    let decoded = 0;
    const opts = { cacheDir, concurrency: 4, onProgress: () => void decoded++ };
    const [a, b] = await Promise.all([loadImageFolder(src, opts), loadImageFolder(src, opts)]);
    assert.deepStrictEqual([a.size, b.size, decoded], [N, N, N]);
    await assertExact(cacheDir, N);
  });

  it('two processes preparing the same cache both succeed and leave one exact cache', async () => {
    const cacheDir = path.join(dir, 'cache-procs');
    const script = `require(${JSON.stringify(lib)}).prepareImageFolder(${JSON.stringify(src)}, { cacheDir: ${JSON.stringify(cacheDir)}, concurrency: 4 })
      .then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); });`;
    const [a, b] = await Promise.all([runNode(script), runNode(script)]);
    assert.deepStrictEqual([a.code, b.code], [0, 0], `${a.stderr}\n${b.stderr}`);
    await assertExact(cacheDir, N);
  });

  it('a lock left by a killed preparer is taken over; a live holder is waited for', async () => {
    const cacheDir = path.join(dir, 'cache-lock');
    fs.mkdirSync(cacheDir);
    // A pid that existed and is gone: a child that has exited.
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    fs.writeFileSync(path.join(cacheDir, '.lock'), JSON.stringify({ pid: dead.pid, host: os.hostname(), since: new Date().toISOString() }));
    fs.writeFileSync(path.join(cacheDir, `images.u8.${dead.pid}-0123456789ab.tmp`), Buffer.alloc(100)); // its half-written images
    fs.writeFileSync(path.join(cacheDir, 'notes.txt'), 'a file the cache did not create');
    const ds = await loadImageFolder(src, { cacheDir });
    assert.strictEqual(ds.size, N);
    await assertExact(cacheDir, N);
    assert.deepStrictEqual(fs.readdirSync(cacheDir).sort(), ['images.u8', 'labels.i32', 'meta.json', 'notes.txt'], 'the killed writer\'s temporary file was left');

    const live = spawn(process.execPath, ['-e', 'setTimeout(() => 0, 30000)']);
    try {
      fs.writeFileSync(path.join(cacheDir, '.lock'), JSON.stringify({ pid: live.pid, host: os.hostname(), since: new Date().toISOString() }));
      let waitedFor = '';
      const taking = lockImageCache(cacheDir, { pollMs: 20, onWait: (h) => (waitedFor = h) });
      for (let t = 0; waitedFor === '' && t < 100; t++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 100)); // it keeps waiting while the holder lives
      assert.match(waitedFor, new RegExp(`"pid":${live.pid}`));
      assert.match(fs.readFileSync(path.join(cacheDir, '.lock'), 'utf8'), new RegExp(`"pid":${live.pid}`), 'a live holder\'s lock was taken');
      live.kill('SIGKILL');
      const lock = await taking;
      assert.match(fs.readFileSync(lock.file, 'utf8'), new RegExp(`"pid":${process.pid}`));
      await lock.release();
      assert.ok(!fs.existsSync(lock.file));
    } finally {
      live.kill('SIGKILL');
    }

    // A lock not refreshed for staleMs is stale whatever its pid (a holder on another host).
    fs.writeFileSync(path.join(cacheDir, '.lock'), JSON.stringify({ pid: 1, host: 'elsewhere', since: '2020-01-01T00:00:00Z' }));
    const old = new Date(Date.now() - 10_000);
    fs.utimesSync(path.join(cacheDir, '.lock'), old, old);
    const lock = await lockImageCache(cacheDir, { staleMs: 5000 });
    await lock.release();
  });

  it('a cache whose pixels changed on disk is refused, naming the folder', async () => {
    const cacheDir = path.join(dir, 'cache-corrupt');
    await prepareImageFolder(src, { cacheDir });
    const file = path.join(cacheDir, 'images.u8');
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([0]), 0, 1, 5 * H * W * 3 + 17);
    fs.closeSync(fd);
    await assert.rejects(openImageCache(cacheDir, { inMemory: true }), new RegExp(`image cache: ${cacheDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is corrupt \\(SHA-256`));
  });

  it('a garbage meta.json names the file', async () => {
    const cacheDir = path.join(dir, 'cache-garbage');
    await prepareImageFolder(src, { cacheDir });
    fs.writeFileSync(path.join(cacheDir, 'meta.json'), '{"format": "blockwise-ssl/image-cache", "vers');
    await assert.rejects(openImageCache(cacheDir), /image cache: .*cache-garbage\/meta\.json is not valid JSON/);
    fs.writeFileSync(path.join(cacheDir, 'meta.json'), JSON.stringify({ format: 'blockwise-ssl/image-cache', version: 1, name: 'x', size: -3, imageShape: [1], classNames: [] }));
    await assert.rejects(openImageCache(cacheDir), /meta\.json has an invalid size, imageShape.*size -3/);
  });
});
