import * as tf from '@tensorflow/tfjs-core';
import * as nodeModule from 'module';
import { pathToFileURL } from 'url';

/**
 * Resolves the extensionless relative imports (`'../ops/mul'`) of tfjs-core's ES-module build, which Node's
 * ES-module loader rejects, by appending `.js`; applies to files inside tfjs-core's `dist/` only.
 */
const RESOLVE_HOOK = `
export function resolve(specifier, context, next) {
  const fromTfjsCore = context.parentURL !== undefined && context.parentURL.includes('/@tensorflow/tfjs-core/dist/');
  const extensionless = /^\\.\\.?\\//.test(specifier) && !specifier.endsWith('.js');
  return next(fromTfjsCore && extensionless ? specifier + '.js' : specifier, context);
}`;

/** Dynamic `import()` kept as is: TypeScript would compile a literal `import()` into `require()` under CommonJS. */
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

let registering: Promise<void> | null = null;

/**
 * Registers tfjs-core's gradient functions (`tf.grads`, `optimizer.minimize` need them). tfjs-core 4.22 ships
 * them only in its ES-module build (`dist/register_all_gradients.js`), which the CommonJS bundle we load never
 * imports; the union package `@tensorflow/tfjs` (and so tfjs-node) bundles them. That ES-module build shares
 * the engine and the gradient registry with our CommonJS copy through tfjs' global namespace, so importing it
 * once is enough. Idempotent; does nothing when gradients are already registered.
 */
export function registerGradients(): Promise<void> {
  if (tf.getGradient(tf.Conv2D) !== undefined) return Promise.resolve();
  registering ??= (async () => {
    const register = (nodeModule as { register?: (url: string) => void }).register;
    if (register === undefined) {
      throw new Error(`registerGradients: Node ${process.version} lacks module.register(); Node >= 20.6 is needed`);
    }
    register('data:text/javascript,' + encodeURIComponent(RESOLVE_HOOK));
    await importModule(pathToFileURL(require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js')).href);
    if (tf.getGradient(tf.Conv2D) === undefined) {
      throw new Error('registerGradients: tfjs-core gradients were imported but Conv2D still has none registered');
    }
  })();
  return registering;
}
