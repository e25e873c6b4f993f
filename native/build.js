#!/usr/bin/env node
// Builds the optional native addon (native/build/blockwise_native.node) with the system C++ compiler,
// against oneDNN (Debian: libdnnl-dev) and OpenMP. Runs at `npm install`; it never fails the install:
// without a compiler, Node headers or oneDNN it prints why and the library trains on the wasm backend.
// `node native/build.js --strict` exits non-zero instead (for CI, which installs the packages itself).
'use strict';
const { execFile } = require('child_process');
const fs = require('fs');
const path = require('path');

const strict = process.argv.includes('--strict');
const root = __dirname;
const out = path.join(root, 'build', 'blockwise_native.node');

function giveUp(why) {
  console.log(`blockwise-ssl: native addon not built (${why}); the wasm backend will be used.`);
  process.exit(strict ? 1 : 0);
}

/** The directory with node_api.h: beside the running node (Debian: /usr/include/node) or npm's nodedir. */
function nodeIncludeDir() {
  const candidates = [
    process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
    path.join(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
  ].filter(Boolean);
  return candidates.find((d) => fs.existsSync(path.join(d, 'node_api.h')));
}

if (process.platform !== 'linux') giveUp(`platform ${process.platform}: only Linux builds are set up`);
const include = nodeIncludeDir();
if (!include) giveUp('Node-API headers (node_api.h) not found');
const cxx = process.env.CXX || 'g++';
const sources = fs.readdirSync(path.join(root, 'src')).filter((f) => f.endsWith('.cc'));
const flags = ['-std=c++17', '-O3', '-fPIC', '-fopenmp', '-fvisibility=hidden', `-I${include}`, '-DNODE_GYP_MODULE_NAME=blockwise_native'];
/** Runs the compiler; rejects with its error output. */
function run(args) {
  return new Promise((resolve, reject) => {
    execFile(cxx, args, { maxBuffer: 1 << 24 }, (err, _stdout, stderr) => (err ? reject(new Error(String(stderr) || err.message)) : resolve()));
  });
}

async function build() {
  // A stale addon from an earlier build must not outlive a failed one: its functions may not match lib/.
  fs.rmSync(out, { force: true });
  fs.mkdirSync(path.join(root, 'build'), { recursive: true });
  try {
    const objects = sources.map((f) => path.join(root, 'build', f.replace(/\.cc$/, '.o')));
    await Promise.all(sources.map((f, i) => run([...flags, '-c', path.join(root, 'src', f), '-o', objects[i]])));
    await run(['-shared', '-fopenmp', ...objects, '-o', out, '-ldnnl']);
  } catch (e) {
    const message = e.message;
    const missing = /dnnl\.hpp|-ldnnl/.test(message) ? 'oneDNN missing: apt-get install libdnnl-dev' : message.split('\n').slice(0, 5).join(' ');
    giveUp(`${cxx} failed: ${missing}`);
  }
  console.log(`blockwise-ssl: native addon built at ${path.relative(process.cwd(), out)}`);
}

build();
