import * as tf from '@tensorflow/tfjs-core';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { activate, Attempt, errorLine } from './attempt';

/**
 * The native TensorFlow backends: `@tensorflow/tfjs-node-gpu` (libtensorflow with CUDA) and `@tensorflow/tfjs-node`
 * (libtensorflow on the CPU). Both register the tfjs backend named 'tensorflow'. They are optional: not in
 * package.json, because their installer downloads libtensorflow, and loaded by a `require` of a computed name
 * that TypeScript does not resolve, so the library builds and runs without them.
 */
export type TensorflowPackage = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

/** What tfjs-node-gpu 4.22 (libtensorflow 2.9.1) needs on the user's machine besides the package. */
export const CUDA_REQUIREMENT = 'an NVIDIA GPU with CUDA 11.2 + cuDNN 8.1';

/**
 * The CUDA 11 and cuDNN 8 libraries libtensorflow 2.9.1 opens at run time, by soname. A CUDA 12 machine has none
 * of them: libtensorflow then says `Could not load dynamic library 'libcudart.so.11.0'` and runs on the CPU.
 */
export const CUDA11_LIBRARIES = [
  'libcudart.so.11.0', 'libcublas.so.11', 'libcublasLt.so.11', 'libcufft.so.10', 'libcurand.so.10', 'libcusolver.so.11',
  'libcusparse.so.11', 'libcudnn.so.8',
] as const;

/**
 * The CUDA / cuDNN libraries an error or log text says could not be opened (a dlopen error of `require`, or
 * libtensorflow's `Could not load dynamic library '...'`), in order, without repeats; empty when it names none.
 */
export function missingCudaLibraries(text: string): string[] {
  if (!/cannot open shared object file|Could not load dynamic library|not found/i.test(text)) return [];
  const names = text.match(/lib(?:cudart|cublasLt|cublas|cufft|curand|cusolver|cusparse|cudnn)[A-Za-z_]*\.so(?:\.\d+)*/g) ?? [];
  return [...new Set(names)];
}

/** Which of CUDA11_LIBRARIES the dynamic loader cannot find: neither in LD_LIBRARY_PATH's folders nor in `ldconfig -p`. */
export function unfindableCudaLibraries(
  libraryPath = process.env.LD_LIBRARY_PATH ?? '',
  ldconfigListing: () => string = ldconfigCache,
): string[] {
  const cache = ldconfigListing();
  const dirs = libraryPath.split(':').filter((d) => d !== '');
  return CUDA11_LIBRARIES.filter((lib) => !dirs.some((d) => fs.existsSync(path.join(d, lib))) && !cache.includes(`${lib} `));
}

/** The dynamic loader's cache (`ldconfig -p`; /sbin is not on a user's PATH on Debian), or '' without ldconfig. */
function ldconfigCache(): string {
  for (const exe of ['ldconfig', '/sbin/ldconfig']) {
    try {
      return execFileSync(exe, ['-p'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      // try the next; without any, only LD_LIBRARY_PATH counts
    }
  }
  return '';
}

/**
 * The fix for missing CUDA 11 / cuDNN 8 libraries (what initBackend prints): install the CUDA 11.2 runtime
 * libraries and cuDNN 8.1 beside the system's CUDA, and point LD_LIBRARY_PATH at them (README, "GPU").
 */
export function cuda11Fix(missing: readonly string[]): string {
  return (
    `@tensorflow/tfjs-node-gpu 4.22 runs libtensorflow 2.9.1, built for CUDA 11.2 + cuDNN 8.1, and cannot open ${missing.join(', ')} ` +
    '(a CUDA 12 machine has none of them). Install the CUDA 11.2 runtime libraries and cuDNN 8.1 side by side with the ' +
    "system's CUDA (NVIDIA's apt repository: cuda-cudart-11-2 libcublas-11-2 libcufft-11-2 libcurand-11-2 libcusolver-11-2 " +
    'libcusparse-11-2 libcudnn8=8.1.1.33-1+cuda11.2), then: export LD_LIBRARY_PATH=/usr/local/cuda-11.2/lib64:$LD_LIBRARY_PATH ' +
    '(README, "GPU"; scripts/gpu/check.sh reports what is there)'
  );
}

let cudaFixShown = false;

/** The reason for a GPU failure caused by missing CUDA 11 libraries, with the fix, printed once per process on stderr. */
function cudaFailure(what: string, missing: readonly string[]): string {
  const fix = cuda11Fix(missing);
  if (!cudaFixShown) {
    cudaFixShown = true;
    console.warn(`initBackend: ${fix}`);
  }
  return `${what}: missing ${missing.join(', ')}; ${fix}`;
}

/** `npm install` line for a native package, pinned to the tfjs-core version in use. */
export function installHint(pkg: TensorflowPackage): string {
  const hint = `npm install ${pkg}@${tf.version_core}`;
  return pkg === '@tensorflow/tfjs-node-gpu' ? `${hint}; needs ${CUDA_REQUIREMENT}` : hint;
}

/** `require` of a name computed at run time: TypeScript neither resolves nor type-checks it. */
function requireOptional(name: string): unknown {
  return require(name);
}

/** Version of an installed package, or null when its package.json is not reachable. */
function installedVersion(pkg: TensorflowPackage): string | null {
  try {
    return (requireOptional(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

/**
 * The CUDA GPUs this process may use, by name, or why there are none: `CUDA_VISIBLE_DEVICES` hides them, or
 * `nvidia-smi -L` (which ships with the NVIDIA driver) is missing or lists none.
 */
export function visibleCudaGpus(): { gpus: string[] } | { none: string } {
  const visible = process.env.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined && (visible.trim() === '' || visible.trim() === '-1')) {
    return { none: `no CUDA GPU visible (CUDA_VISIBLE_DEVICES='${visible}')` };
  }
  let listing: string;
  try {
    listing = execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return { none: `no CUDA GPU visible (${missing ? 'nvidia-smi not found: no NVIDIA driver' : `nvidia-smi -L failed: ${errorLine(e)}`})` };
  }
  const gpus = listing
    .split('\n')
    .filter((l) => l.startsWith('GPU '))
    .map((l) => l.replace(/^GPU \d+: /, '').replace(/ \(UUID.*\)$/, ''));
  return gpus.length > 0 ? { gpus } : { none: 'no CUDA GPU visible (nvidia-smi -L lists none)' };
}

/**
 * Loads one native package and makes its 'tensorflow' backend the active one. Checks, in order: installed, same
 * version as tfjs-core, a CUDA GPU visible (GPU package only), loads, initialises. Never throws: a failure comes
 * back as a reason starting with the package name.
 */
export async function tryTensorflowPackage(pkg: TensorflowPackage): Promise<Attempt> {
  const fail = (why: string): Attempt => ({ ok: false, reason: `${pkg}: ${why}` });
  try {
    require.resolve(pkg);
  } catch {
    return fail(`not installed (${installHint(pkg)})`);
  }
  const version = installedVersion(pkg);
  if (version !== null && version !== tf.version_core) {
    return fail(`version ${version} does not match @tensorflow/tfjs-core ${tf.version_core} (${installHint(pkg)})`);
  }
  let gpuNote = '';
  if (pkg === '@tensorflow/tfjs-node-gpu') {
    const cuda = visibleCudaGpus();
    if ('none' in cuda) return fail(cuda.none);
    gpuNote = `, GPU ${cuda.gpus.join(', ')}`;
  }
  const gpu = pkg === '@tensorflow/tfjs-node-gpu';
  try {
    requireOptional(pkg);
  } catch (e) {
    const missing = gpu ? missingCudaLibraries(e instanceof Error ? e.message : String(e)) : [];
    if (missing.length > 0) return fail(cudaFailure('failed to load', missing));
    return fail(`failed to load: ${errorLine(e)}${gpu ? ` (needs ${CUDA_REQUIREMENT})` : ''}`);
  }
  const failure = await activate('tensorflow');
  if (failure !== null) return fail(`loaded, but ${failure}`);
  if (gpu && (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === false) {
    // libtensorflow could not open its CUDA libraries and fell back to the CPU (its own log says which above).
    const missing = unfindableCudaLibraries();
    const why = 'loaded, but libtensorflow found no usable GPU and would run on the CPU';
    return fail(missing.length > 0 ? cudaFailure(why, missing) : `${why} (needs ${CUDA_REQUIREMENT}; see libtensorflow's log above)`);
  }
  return { ok: true, detail: `${pkg} ${version ?? '(version unknown)'}${gpuNote}` };
}
