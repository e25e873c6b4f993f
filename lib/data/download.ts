import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';

/** What `download` fetches and how it checks it. */
export interface DownloadOptions {
  url: string;
  /** Final file; the download goes to `<dest>.partial` and is renamed once complete and verified. */
  dest: string;
  /** MD5 published by the source (hex); the file is checked against it when given. */
  md5?: string;
  /** Called as bytes arrive, with the total when the server says it. */
  onProgress?: (received: number, total: number | null) => void;
  /** Attempts after a dropped connection, each resuming where the last one stopped (default 5). */
  retries?: number;
  /** Redirects followed per attempt (default 5). */
  maxRedirects?: number;
  /** Pause before retry k of `k` times this many milliseconds (default 1000). */
  retryDelayMs?: number;
  /**
   * A server silent for this many milliseconds (no answer, or no bytes mid-transfer) counts as a dropped
   * connection: the attempt fails and the next one resumes (default 60 000).
   */
  timeoutMs?: number;
}

/** What `download` did. */
export interface DownloadResult {
  file: string;
  bytes: number;
  /** Whether the file was already complete (nothing fetched). */
  present: boolean;
  /** Whether some bytes came from an earlier, interrupted download. */
  resumed: boolean;
}

/** MD5 of a file, hex. */
export async function md5File(file: string): Promise<string> {
  const hash = crypto.createHash('md5');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function request(url: string, headers: Record<string, string>, timeoutMs: number): Promise<http.IncomingMessage> {
  const lib = url.startsWith('https:') ? https : url.startsWith('http:') ? http : null;
  if (!lib) return Promise.reject(new Error(`download: unsupported URL ${url}`));
  return new Promise((resolve, reject) => {
    const req = lib.get(url, { headers }, resolve);
    req.on('error', reject);
    // An idle socket (before the answer or between body chunks) destroys the request; the body stream then fails.
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no data from ${url} for ${timeoutMs / 1000} s`)));
  });
}

/** Follows redirects; returns the final response (status 200, 206 or 416) or throws with the URL and status. */
async function open(url: string, headers: Record<string, string>, maxRedirects: number, timeoutMs: number): Promise<http.IncomingMessage> {
  let current = url;
  for (let hop = 0; hop <= maxRedirects; hop++) {
    const res = await request(current, headers, timeoutMs);
    const status = res.statusCode ?? 0;
    if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
      res.resume();
      current = new URL(res.headers.location, current).toString();
      continue;
    }
    if (status === 200 || status === 206 || status === 416) return res;
    res.resume();
    throw new Error(`download: ${current} answered HTTP ${status}`);
  }
  throw new Error(`download: more than ${maxRedirects} redirects from ${url}`);
}

/** Total size from `Content-Range: bytes a-b/total` or `Content-Length` (+ offset). */
function totalOf(res: http.IncomingMessage, offset: number): number | null {
  const range = res.headers['content-range'];
  const m = typeof range === 'string' ? /\/(\d+)$/.exec(range) : null;
  if (m) return Number(m[1]);
  const len = res.headers['content-length'];
  return len !== undefined ? Number(len) + offset : null;
}

/**
 * Downloads `url` to `dest` with resumable transfers: bytes go to `<dest>.partial`, an interrupted download
 * continues from where it stopped with an HTTP `Range` request (on the next attempt or the next run), and a
 * server that ignores ranges makes it start over. The finished file is checked against `md5` when given (a
 * mismatch deletes it and names the file), then renamed to `dest`. An existing `dest` is kept (after its
 * checksum passes). Attempts are bounded by `retries`, and a silent server by `timeoutMs`. Without `md5` the
 * length the server announced is the only proof of completeness, so a download whose length is unknown
 * (neither `Content-Length` nor `Content-Range`) is refused rather than taken as whole.
 */
export async function download({
  url,
  dest,
  md5,
  onProgress,
  retries = 5,
  maxRedirects = 5,
  retryDelayMs = 1000,
  timeoutMs = 60_000,
}: DownloadOptions): Promise<DownloadResult> {
  if (fs.existsSync(dest)) {
    if (md5 && (await md5File(dest)) !== md5.toLowerCase()) {
      throw new Error(`download: ${dest} exists but its MD5 is not ${md5}; delete it and run again`);
    }
    return { file: dest, bytes: fs.statSync(dest).size, present: true, resumed: false };
  }
  await fs.promises.mkdir(path.dirname(dest), { recursive: true });
  const partial = `${dest}.partial`;
  let resumed = false;
  let lastError: Error | null = null;
  let expected: number | null = null;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0 && retryDelayMs > 0) await new Promise((r) => setTimeout(r, attempt * retryDelayMs));
    const have = fs.existsSync(partial) ? fs.statSync(partial).size : 0;
    let res: http.IncomingMessage;
    try {
      res = await open(url, have > 0 ? { Range: `bytes=${have}-` } : {}, maxRedirects, timeoutMs);
    } catch (e) {
      if (/answered HTTP|redirects|unsupported URL/.test((e as Error).message)) throw e;
      lastError = e as Error;
      continue;
    }
    if (res.statusCode === 416) {
      // Nothing left past `have`: the partial file is already whole, or the source changed (checked below).
      res.resume();
      expected = totalOf(res, 0);
      lastError = null;
      break;
    }
    const offset = res.statusCode === 206 ? have : 0;
    if (offset === 0 && have > 0) await fs.promises.truncate(partial, 0);
    if (offset > 0) resumed = true;
    const total = totalOf(res, offset);
    expected = total;
    let received = offset;
    onProgress?.(received, total);
    // Each chunk is on disk before the next is read, so a dropped connection loses nothing already received.
    const out = await fs.promises.open(partial, 'a');
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        await out.write(chunk);
        received += chunk.length;
        onProgress?.(received, total);
      }
      if (total !== null && received !== total) throw new Error(`received ${received} of ${total} bytes`);
      lastError = null;
      break;
    } catch (e) {
      lastError = e as Error;
    } finally {
      await out.close();
    }
  }
  if (lastError) {
    const kept = fs.existsSync(partial) ? ` (kept ${partial}; running again resumes it)` : '';
    throw new Error(`download: ${url} failed after ${retries + 1} attempts: ${lastError.message}${kept}`);
  }
  const bytes = fs.existsSync(partial) ? fs.statSync(partial).size : 0;
  if (expected === null && !md5) {
    throw new Error(
      `download: ${url} announced no length and no checksum is known, so ${partial} (${bytes} bytes) cannot be told ` +
        'complete; it was kept, check it and rename it yourself',
    );
  }
  if (expected !== null && bytes !== expected) {
    throw new Error(`download: ${partial} has ${bytes} bytes, but ${url} announced ${expected}; delete it and run again`);
  }
  if (md5) {
    const got = await md5File(partial);
    if (got !== md5.toLowerCase()) {
      await fs.promises.rm(partial, { force: true });
      throw new Error(`download: checksum mismatch for ${dest} (from ${url}): MD5 ${got}, expected ${md5}; the file was deleted`);
    }
  }
  await fs.promises.rename(partial, dest);
  return { file: dest, bytes: fs.statSync(dest).size, present: false, resumed };
}
