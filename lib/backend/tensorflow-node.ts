import * as tf from '@tensorflow/tfjs-core';
import { execFileSync } from 'child_process';
import { activate, Attempt, errorLine } from './attempt';

/**
 * The native TensorFlow backends: `@tensorflow/tfjs-node-gpu` (libtensorflow with CUDA) and `@tensorflow/tfjs-node`
 * (libtensorflow on the CPU). Both register the tfjs backend named 'tensorflow'. They are optional: not in
 * package.json, because their installer downloads libtensorflow, and loaded by a `require` of a computed name
 * that TypeScript does not resolve, so the library builds and runs without them.
 */
export type TensorflowPackage = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

/** What tfjs-node-gpu 4.22 (libtensorflow 2.7) needs on the user's machine besides the package. */
export const CUDA_REQUIREMENT = 'an NVIDIA GPU with CUDA 11.2 + cuDNN 8.1';

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
  try {
    requireOptional(pkg);
  } catch (e) {
    const needs = pkg === '@tensorflow/tfjs-node-gpu' ? ` (needs ${CUDA_REQUIREMENT})` : '';
    return fail(`failed to load: ${errorLine(e)}${needs}`);
  }
  const failure = await activate('tensorflow');
  if (failure !== null) return fail(`loaded, but ${failure}`);
  return { ok: true, detail: `${pkg} ${version ?? '(version unknown)'}${gpuNote}` };
}
