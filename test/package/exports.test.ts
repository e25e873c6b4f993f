import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Every runtime name a library module exports is reachable from the package: from the root (`blockwise-ssl`) or from
 * `blockwise-ssl/internals`, so a new module cannot be left out of both (the CLI, the preset builders of each figure,
 * which `preset()` serves, and the view worker's entry point are not library API).
 */
describe('package exports', () => {
  it('the root and ./internals together export every runtime name of every library module', () => {
    const lib = path.resolve(__dirname, '../../lib');
    const root = require(path.join(lib, 'index.js')) as Record<string, unknown>;
    const internals = require(path.join(lib, 'internals.js')) as Record<string, unknown>;
    // Argument checks and shared plumbing of their own folders, not API.
    const privateModules = ['optim/check.js', 'optim/momentum-buffers.js', 'util/suggestion.js'];
    const skip = (rel: string): boolean =>
      privateModules.includes(rel) ||
      rel.startsWith('cli/') || rel.startsWith('experiments/figures/') || rel === 'data/view-worker.js' || rel === 'index.js' || rel === 'internals.js';
    const missing: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, e.name);
        if (e.isDirectory()) walk(file);
        else if (e.name.endsWith('.js')) {
          const rel = path.relative(lib, file).split(path.sep).join('/');
          // A compiled file without its source is a leftover of a moved module (tsc does not delete).
          if (skip(rel) || !fs.existsSync(path.resolve(lib, '../../lib', rel.replace(/\.js$/, '.ts')))) continue;
          const mod = require(file) as Record<string, unknown>;
          for (const name of Object.keys(mod)) {
            if (name === '__esModule' || name === 'default') continue;
            if (!(name in root) && !(name in internals)) missing.push(`${rel}: ${name}`);
          }
        }
      }
    };
    walk(lib);
    assert.deepStrictEqual(missing, []);
  });
});
