import * as tf from '@tensorflow/tfjs-core';

/** The outcome of trying one backend: active now (with a one-line description), or why not. */
export type Attempt = { ok: true; detail: string } | { ok: false; reason: string };

/** The first line of an error's message: enough for a report line, without the stack. */
export function errorLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/**
 * Makes a registered tfjs backend the active one; returns null, or why it failed (tfjs prints the
 * initialisation error itself as a warning and only tells us `false`).
 */
export async function activate(tfjsBackend: string): Promise<string | null> {
  try {
    return (await tf.setBackend(tfjsBackend)) ? null : `the tfjs backend '${tfjsBackend}' failed to initialise (see the warning above)`;
  } catch (e) {
    return `the tfjs backend '${tfjsBackend}' cannot be set: ${errorLine(e)}`;
  }
}
