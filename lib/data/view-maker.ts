import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { Rng } from '../nn/rng';
import { fusedTwoViews } from './augmentations/fused-view';
import type { TwoViewRecipe } from './views';

/** Where the two views of a batch are made: a worker thread (default), the calling thread. Both give the same bits. */
export type ViewThread = 'worker' | 'main';

/** A request to the view worker. */
export interface ViewRequest {
  id: number;
  pixels: Uint8Array;
  shape: [number, number, number, number];
  recipe: TwoViewRecipe;
  seed: number;
}

/** The view worker's answer: the two views, or the error message. */
export type ViewReply = { id: number; views: [Float32Array, Float32Array] } | { id: number; error: string };

/**
 * Makes the two views of training batches (`fusedTwoViews`) off the training thread: `make` sends the batch's
 * pixels to a worker thread and resolves with the views, so the next step's views are made while the current
 * step trains. With `thread: 'main'`, or where no worker can start (the compiled worker file is missing), the
 * views are made on the calling thread: the same seeded arithmetic, the same bits. `close()` ends the worker.
 *
 *     const maker = new ViewMaker();
 *     const [v1, v2] = await maker.make(pixels, [256, 32, 32, 3], recipe, seed);   // Float32Arrays [N, size, size, C]
 *     await maker.close();
 */
export class ViewMaker {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, { resolve: (v: [Float32Array, Float32Array]) => void; reject: (e: Error) => void }>();
  private next = 0;
  private failure: Error | null = null;

  constructor(readonly thread: ViewThread = 'worker') {
    if (thread !== 'worker' && thread !== 'main') throw new Error(`ViewMaker: thread must be 'worker' or 'main', got '${thread as string}'`);
    const file = path.join(__dirname, 'view-worker.js');
    if (thread === 'worker' && fs.existsSync(file)) {
      this.worker = new Worker(file);
      // An idle worker must not keep a finished process alive.
      this.worker.unref();
      this.worker.on('message', (reply: ViewReply) => {
        const w = this.waiting.get(reply.id);
        if (!w) return;
        this.waiting.delete(reply.id);
        if ('error' in reply) w.reject(new Error(reply.error));
        else w.resolve(reply.views);
      });
      this.worker.on('error', (e) => this.fail(e));
      this.worker.on('exit', (code) => {
        if (this.waiting.size > 0) this.fail(new Error(`ViewMaker: the view worker exited with code ${code} with ${this.waiting.size} batches pending`));
      });
    }
  }

  /** Whether views are made on a worker thread. */
  get onWorker(): boolean {
    return this.worker !== null;
  }

  /**
   * The two views of uint8 `pixels` `[N, H, W, C]` under `recipe`, drawn from `new Rng(seed)` (as `twoViews`
   * with that generator). The pixels are copied to the worker; the caller keeps its array.
   */
  make(pixels: Uint8Array, shape: [number, number, number, number], recipe: TwoViewRecipe, seed: number): Promise<[Float32Array, Float32Array]> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.worker) {
      try {
        return Promise.resolve(fusedTwoViews(pixels, shape, recipe, new Rng(seed)));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const id = this.next++;
    const copy = pixels.slice();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker!.ref();
      const request: ViewRequest = { id, pixels: copy, shape, recipe, seed };
      this.worker!.postMessage(request, [copy.buffer]);
    }).finally(() => {
      if (this.waiting.size === 0) this.worker?.unref();
    }) as Promise<[Float32Array, Float32Array]>;
  }

  /** Ends the worker; pending batches are rejected. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) {
      this.fail(new Error('ViewMaker: closed'));
      await w.terminate();
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }
}
