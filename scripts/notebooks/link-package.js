'use strict';
// Makes `import ... from 'blockwise-ssl'` resolve anywhere in the repository (notebooks compile with tslab, which
// cannot import files outside the folder the kernel starts in, so notebooks use the package name):
// node_modules/blockwise-ssl is a symlink to the repository root, whose package.json points at dist/lib.
const fs = require('fs');
const path = require('path');

/** The repository root (two folders above this script). */
const ROOT = path.resolve(__dirname, '..', '..');

/** Creates (or repairs) node_modules/blockwise-ssl -> .. and returns its path. */
function linkPackage(root = ROOT) {
  const modules = path.join(root, 'node_modules');
  if (!fs.existsSync(modules)) throw new Error(`${modules} is missing: run 'npm ci' in ${root} first`);
  const link = path.join(modules, 'blockwise-ssl');
  let target = null;
  try {
    target = fs.readlinkSync(link);
  } catch (err) {
    if (err.code === 'EINVAL') throw new Error(`${link} exists and is not a symlink; remove it so it can link to the repository`);
    if (err.code !== 'ENOENT') throw err;
  }
  if (target === '..') return link;
  if (target !== null) fs.unlinkSync(link);
  fs.symlinkSync('..', link, 'dir');
  return link;
}

/** Whether the library is compiled (`npm run build` writes dist/lib). */
function libraryBuilt(root = ROOT) {
  return fs.existsSync(path.join(root, 'dist', 'lib', 'index.js'));
}

module.exports = { ROOT, linkPackage, libraryBuilt };

if (require.main === module) console.log(`linked ${linkPackage()} -> ${ROOT}`);
