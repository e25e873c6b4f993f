import * as tf from '@tensorflow/tfjs-core';
import { assertClose } from '../helpers';

/** Runs `fn` with `backend` active and restores the previously active backend afterwards. */
export async function onBackend<T>(backend: string, fn: () => T | Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  if (!(await tf.setBackend(backend))) throw new Error(`onBackend: backend '${backend}' failed to initialise`);
  try {
    return await fn();
  } finally {
    await tf.setBackend(previous);
  }
}

/** Asserts max |actual - expected| <= rel * max |expected|: the error relative to the reference's scale. */
export function assertRelClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rel = 1e-4): void {
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  assertClose(actual, expected, { rtol: 0, atol: rel * scale, what });
}
