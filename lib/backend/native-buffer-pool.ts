/**
 * Recycles the Float32Arrays that native kernels write their outputs into. A training step allocates the same
 * few hundred arrays every time; fresh ones cost page faults and zero-filling (~0.1 ms per 4 MB), and their
 * external memory makes V8 run several full garbage collections per step. An array goes back to the pool only
 * when its tensor's data is freed AND nothing else can still see it:
 * - `fresh`: handed to a kernel, not yet stored in a tensor;
 * - `live`: the values of exactly one tensor's data;
 * - `escaped`: stored a second time or as a view (a cpu kernel sliced it), or read out (`dataSync()` returns
 *   the backend's own array): never recycled, the garbage collector frees it as usual.
 * Kernels that take arrays from the pool must write every element (a recycled array holds old values).
 */
export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly states = new WeakMap<ArrayBuffer, { owner: Float32Array; state: 'fresh' | 'live' | 'escaped' }>();
  private pooledBytes = 0;

  /** @param maxPooledBytes upper bound on the bytes held while unused. */
  constructor(readonly maxPooledBytes: number) {}

  /** A Float32Array of `length` elements with arbitrary contents. */
  take(length: number): Float32Array {
    let a = this.free.get(length)?.pop();
    if (a !== undefined) this.pooledBytes -= a.byteLength;
    else a = new Float32Array(length);
    this.states.set(a.buffer as ArrayBuffer, { owner: a, state: 'fresh' });
    return a;
  }

  /** Called when `values` becomes some tensor's data. */
  stored(values: unknown): void {
    const s = this.stateOf(values);
    if (s === undefined) return;
    s.state = s.state === 'fresh' && s.owner === values ? 'live' : 'escaped';
  }

  /** Called when `values` is handed outside the backend. */
  escaped(values: unknown): void {
    const s = this.stateOf(values);
    if (s !== undefined) s.state = 'escaped';
  }

  /** Called when a tensor's data holding `values` is freed. */
  release(values: unknown): void {
    const s = this.stateOf(values);
    if (s === undefined || s.state !== 'live' || s.owner !== values) return;
    const a = s.owner;
    this.states.delete(a.buffer as ArrayBuffer);
    if (this.pooledBytes + a.byteLength > this.maxPooledBytes) return;
    const bucket = this.free.get(a.length) ?? [];
    bucket.push(a);
    this.free.set(a.length, bucket);
    this.pooledBytes += a.byteLength;
  }

  private stateOf(values: unknown): { owner: Float32Array; state: 'fresh' | 'live' | 'escaped' } | undefined {
    if (!ArrayBuffer.isView(values)) return undefined;
    return this.states.get(values.buffer as ArrayBuffer);
  }
}
