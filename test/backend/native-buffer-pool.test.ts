import * as os from 'os';
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { BufferPool } from '../../lib/backend/native-buffer-pool';
import { defaultPoolBytes, NATIVE_BACKEND, registerNativeBackend } from '../../lib/backend/native-backend';

describe('BufferPool (recycled outputs of native kernels)', () => {
  it('recycles an array only after its single owner frees it', () => {
    const pool = new BufferPool(2 ** 20);
    const a = pool.take(8);
    pool.stored(a);
    assert.notStrictEqual(pool.take(8), a, 'a live array must not be handed out');
    pool.release(a);
    assert.strictEqual(pool.take(8), a, 'a freed array is reused');
    assert.notStrictEqual(pool.take(8), a);
  });

  it('never recycles an array that escaped: read out, stored twice, or viewed', () => {
    const pool = new BufferPool(2 ** 20);
    const read = pool.take(4);
    pool.stored(read);
    pool.escaped(read);
    pool.release(read);
    const twice = pool.take(4);
    pool.stored(twice);
    pool.stored(twice);
    pool.release(twice);
    const viewed = pool.take(4);
    pool.stored(viewed);
    pool.stored(viewed.subarray(1, 3));
    pool.release(viewed);
    const next = pool.take(4);
    assert.ok(next !== read && next !== twice && next !== viewed);
  });

  it('holds at most maxPooledBytes of free arrays', () => {
    const pool = new BufferPool(64);
    const [a, b] = [pool.take(16), pool.take(16)];
    for (const x of [a, b]) pool.stored(x);
    pool.release(a);
    pool.release(b);
    assert.strictEqual(pool.take(16), a);
    assert.notStrictEqual(pool.take(16), b, 'b exceeded the 64-byte limit and was dropped');
  });
});

describe('native backend with recycled buffers', function () {
  before(function () {
    const r = registerNativeBackend();
    if (!r.registered) {
      console.log(`    skipped: native addon not available (${r.reason})`);
      this.skip();
    }
  });

  it('keeps values read with dataSync() and contiguous slices intact after their tensors are freed', async () => {
    const previous = tf.getBackend();
    await tf.setBackend(NATIVE_BACKEND);
    try {
      const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
      const y = tf.mul(x, 2);
      const read = y.dataSync();
      const added = tf.add(x, 1);
      const firstRow = tf.slice(added, [0, 0], [1, 3]);
      tf.dispose([y, added]);
      // Allocate many outputs of the same size, which would reuse the freed arrays if they were recycled.
      const others = Array.from({ length: 8 }, () => tf.mul(x, -1));
      others.forEach((t) => t.dispose());
      assert.deepStrictEqual(Array.from(read), [2, 4, 6, 8, 10, 12]);
      assert.deepStrictEqual(Array.from(firstRow.dataSync()), [2, 3, 4]);
      tf.dispose([x, firstRow]);
    } finally {
      await tf.setBackend(previous);
    }
  });

  it('pool size: $BLOCKWISE_NATIVE_POOL_BYTES, else a quarter of the memory up to 4 GiB; a bad value is named', () => {
    assert.strictEqual(defaultPoolBytes({ BLOCKWISE_NATIVE_POOL_BYTES: '12884901888' }), 12 * 2 ** 30);
    assert.strictEqual(defaultPoolBytes({ BLOCKWISE_NATIVE_POOL_BYTES: '0' }), 0);
    assert.strictEqual(defaultPoolBytes({}), Math.min(4 * 2 ** 30, Math.floor(os.totalmem() / 4)));
    assert.throws(() => defaultPoolBytes({ BLOCKWISE_NATIVE_POOL_BYTES: '8G' }), /BLOCKWISE_NATIVE_POOL_BYTES must be a whole number of bytes >= 0, got '8G'/);
  });
});
