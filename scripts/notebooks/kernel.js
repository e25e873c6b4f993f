#!/usr/bin/env node
'use strict';
// The notebook kernel of this repository (jupyter/kernels/blockwise-ssl/kernel.json runs it with the connection
// file): links the package so notebooks can import 'blockwise-ssl', then starts the project's own tslab
// (node_modules/tslab, not a global one) in this process. The kernel's working folder, set by the frontend, is the
// notebook's folder; tslab compiles cells there.
const path = require('path');
const { ROOT, linkPackage, libraryBuilt } = require('./link-package');

const connectionFile = process.argv[2];
if (!connectionFile) {
  console.error('usage: kernel.js <connection-file>  (started by Jupyter through jupyter/kernels/blockwise-ssl/kernel.json)');
  process.exit(2);
}
linkPackage();
if (!libraryBuilt()) console.error(`blockwise-ssl kernel: ${path.join(ROOT, 'dist', 'lib')} is missing; run 'npm run build' or imports of 'blockwise-ssl' fail`);
require(path.join(ROOT, 'node_modules', 'tslab', 'dist', 'main.js')).startKernel({ configPath: connectionFile, enableFindLocal: false });
