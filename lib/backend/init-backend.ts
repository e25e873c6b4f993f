import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { activate, Attempt } from './attempt';
import { registerGradients } from './register-gradients';
import { NATIVE_BACKEND, registerNativeBackend } from './native-backend';
import { registerFusedGradients } from './native-gradients';
import { tryTensorflowPackage } from './tensorflow-node';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm-training-kernels';

/**
 * The compute backends, best first:
 * - `tensorflow-gpu`: `@tensorflow/tfjs-node-gpu`, libtensorflow on a CUDA GPU (the paper-scale runs);
 * - `tensorflow`: `@tensorflow/tfjs-node`, libtensorflow on the CPU;
 * - `native`: this package's C++ addon (oneDNN convolutions, fused batch norm) over the cpu backend's storage,
 *   built at install when g++ and libdnnl-dev are present (the fast CPU route);
 * - `wasm`: `@tensorflow/tfjs-backend-wasm` (XNNPACK, SIMD) with our training kernels (CPU-scale runs);
 * - `cpu`: `@tensorflow/tfjs-backend-cpu`, plain JavaScript, the reference the others are tested against.
 */
export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Environment variable that forces a backend (one of BACKEND_NAMES, or `auto`). */
export const BACKEND_ENV = 'BLOCKWISE_BACKEND';

/** A better backend that was not used, and why. */
export interface SkippedBackend {
  backend: BackendName;
  reason: string;
}

/** Which backend initBackend made active, how it was chosen, and why every better one was skipped. */
export interface BackendReport {
  backend: BackendName;
  /** The tfjs backend name now active (`tf.getBackend()`): 'tensorflow', 'wasm' or 'cpu'. */
  tfjsBackend: string;
  /** `auto`: the best that loads; `option` / `environment`: forced by initBackend's option / BLOCKWISE_BACKEND. */
  chosenBy: 'auto' | 'option' | 'environment';
  /** One line: package, version, device or build, own kernels. */
  detail: string;
  /** Every backend better than the chosen one, in order, with the reason it was not used. */
  skipped: SkippedBackend[];
}

export interface InitBackendOptions {
  /** Forces this backend (overrides BLOCKWISE_BACKEND); initBackend fails if it cannot load. */
  backend?: BackendName;
  /** Receives one line per backend tried and one for the choice. */
  log?: (line: string) => void;
}

const TFJS_NAME: Record<BackendName, string> = { 'tensorflow-gpu': 'tensorflow', tensorflow: 'tensorflow', native: NATIVE_BACKEND, wasm: 'wasm', cpu: 'cpu' };

async function tryWasm(): Promise<Attempt> {
  registerWasmTrainingKernels();
  const failure = await activate('wasm');
  if (failure !== null) return { ok: false, reason: `wasm: ${failure}` };
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD' : 'no SIMD';
  const threads = getThreadsCount();
  return {
    ok: true,
    detail: `@tensorflow/tfjs-backend-wasm ${version_wasm}, ${simd}, ${threads} thread${threads === 1 ? '' : 's'}, own kernels ${WASM_TRAINING_KERNELS.join(' + ')}`,
  };
}

async function tryNative(): Promise<Attempt> {
  const { registered, reason } = registerNativeBackend();
  if (!registered) return { ok: false, reason: `native: ${reason}` };
  const failure = await activate(NATIVE_BACKEND);
  if (failure !== null) return { ok: false, reason: `native: ${failure}` };
  return { ok: true, detail: `blockwise-ssl C++ addon (oneDNN convolutions and matmul, fused batch norm), ${reason}` };
}

async function tryCpu(): Promise<Attempt> {
  const failure = await activate('cpu');
  return failure === null ? { ok: true, detail: '@tensorflow/tfjs-backend-cpu (plain JavaScript)' } : { ok: false, reason: `cpu: ${failure}` };
}

const TRY: Record<BackendName, () => Promise<Attempt>> = {
  'tensorflow-gpu': () => tryTensorflowPackage('@tensorflow/tfjs-node-gpu'),
  tensorflow: () => tryTensorflowPackage('@tensorflow/tfjs-node'),
  native: tryNative,
  wasm: tryWasm,
  cpu: tryCpu,
};

function parseBackendName(value: string, source: string): BackendName {
  const name = value.trim().toLowerCase();
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new Error(`${source} is '${value}', not a backend: use one of ${BACKEND_NAMES.join(', ')} (or auto for the best that loads)`);
  }
  return name as BackendName;
}

/** The forced backend, or null for automatic choice: the option wins over BLOCKWISE_BACKEND; `auto` or empty means none. */
function forcedBackend(option: BackendName | undefined): { backend: BackendName; by: 'option' | 'environment' } | null {
  if (option !== undefined) return { backend: parseBackendName(option, 'initBackend option backend'), by: 'option' };
  const env = process.env[BACKEND_ENV];
  if (env === undefined || env.trim() === '' || env.trim().toLowerCase() === 'auto') return null;
  return { backend: parseBackendName(env, `${BACKEND_ENV}`), by: 'environment' };
}

async function choose(forced: ReturnType<typeof forcedBackend>, log: (line: string) => void): Promise<BackendReport> {
  if (forced !== null) {
    const { backend, by } = forced;
    const attempt = await TRY[backend]();
    const source = by === 'option' ? 'the initBackend option' : `${BACKEND_ENV}=${process.env[BACKEND_ENV]}`;
    if (!attempt.ok) throw new Error(`initBackend: backend '${backend}' was forced by ${source} but cannot be used: ${attempt.reason}`);
    const better = BACKEND_NAMES.slice(0, BACKEND_NAMES.indexOf(backend));
    const skipped = better.map((b) => ({ backend: b, reason: `not tried: ${source} forces ${backend}` }));
    return { backend, tfjsBackend: TFJS_NAME[backend], chosenBy: by, detail: attempt.detail, skipped };
  }
  const skipped: SkippedBackend[] = [];
  for (const backend of BACKEND_NAMES) {
    const attempt = await TRY[backend]();
    if (attempt.ok) return { backend, tfjsBackend: TFJS_NAME[backend], chosenBy: 'auto', detail: attempt.detail, skipped };
    skipped.push({ backend, reason: attempt.reason });
    log(`backend ${backend} skipped: ${attempt.reason}`);
  }
  throw new Error(`initBackend: no backend could be used: ${skipped.map((s) => s.reason).join('; ')}`);
}

let current: BackendReport | null = null;
let queue: Promise<unknown> = Promise.resolve();

async function initOnce(options: InitBackendOptions): Promise<BackendReport> {
  const forced = forcedBackend(options.backend);
  if (current !== null && (forced === null || forced.backend === current.backend)) {
    if (tf.getBackend() !== current.tfjsBackend) await tf.setBackend(current.tfjsBackend);
    return current;
  }
  let report: BackendReport;
  try {
    report = await choose(forced, options.log ?? (() => {}));
  } catch (e) {
    // A backend that failed to initialise is left named active by tfjs; go back to the working one.
    if (current !== null && tf.getBackend() !== current.tfjsBackend) await tf.setBackend(current.tfjsBackend);
    throw e;
  }
  // After the choice: the @tensorflow/tfjs that tfjs-node loads may have registered them already (then a no-op).
  await registerGradients();
  registerFusedGradients();
  options.log?.(describeBackend(report));
  current = report;
  return report;
}

/**
 * Chooses the compute backend, makes it tfjs' active backend and registers what training needs (tfjs-core's
 * gradients; on wasm, our convolution gradient kernels). Tries tensorflow-gpu, tensorflow, wasm, cpu in order
 * unless the `backend` option or BLOCKWISE_BACKEND forces one, in which case failing to load it is an error that
 * says why. Call it once before any computation; later calls return the same report (and re-activate that
 * backend if something switched away), unless they force a different backend, which switches.
 *
 *   const report = await initBackend();
 *   console.log(describeBackend(report)); // backend wasm (auto): @tensorflow/tfjs-backend-wasm 4.22.0, SIMD, ...
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  const run = queue.then(() => initOnce(options));
  queue = run.catch(() => undefined);
  return run;
}

/** One line for logs: the chosen backend, how, its detail, and the skipped better ones with reasons. */
export function describeBackend(report: BackendReport): string {
  const skipped = report.skipped.map((s) => `${s.backend} (${s.reason})`).join(', ');
  return `backend ${report.backend} (${report.chosenBy}): ${report.detail}${skipped === '' ? '' : `; skipped ${skipped}`}`;
}
