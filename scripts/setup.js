#!/usr/bin/env node
'use strict';
// `npm run setup`: the system packages the main job needs, before `npm ci` (plain Node, no dependencies).
// - g++ and libdnnl-dev (oneDNN): `npm ci` builds the native addon with them, the fast CPU backend (without it the
//   library trains on wasm, about 10x slower);
// - dataset-fashion-mnist: the data of the main job (unless the data-scripts already downloaded it).
// On Debian/Ubuntu it installs what is missing with apt-get as root, or through sudo; otherwise it prints the one
// command to run, and the data-scripts way to get the data. Exits 1 only when the data is still missing (the main
// job cannot run); a missing compiler or oneDNN only costs speed, so the `&&` chain of the README goes on.
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const PACKAGES = [
  { pkg: 'g++', why: 'compiles the native addon' },
  { pkg: 'libdnnl-dev', why: 'oneDNN, the native addon\'s convolutions' },
  { pkg: 'dataset-fashion-mnist', why: 'Fashion-MNIST, the main job\'s data', data: true },
];
const FASHION_MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
const GET_DATA = 'npm ci && node dist/data-scripts/datasets.js get fashion-mnist';

/** Where the main job finds Fashion-MNIST (lib/data/fashion-mnist.ts: Debian's package, then the data-scripts' cache). */
function fashionMnistDirs(env = process.env) {
  const root = env.BLOCKWISE_DATA_DIR ? path.resolve(env.BLOCKWISE_DATA_DIR) : path.join(os.homedir(), '.cache', 'blockwise-ssl', 'datasets');
  return ['/usr/share/datasets/fashion-mnist', path.join(root, 'fashion-mnist')];
}

function fashionMnistPresent() {
  return fashionMnistDirs().some((d) => FASHION_MNIST_FILES.every((f) => fs.existsSync(path.join(d, f)) || fs.existsSync(path.join(d, `${f}.gz`))));
}

function dpkgInstalled(pkg) {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).endsWith(' installed');
  } catch {
    return false;
  }
}

function commandWorks(cmd, args) {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** What the machine has, read once: the facts `setup` decides on (a test passes its own). */
function probeSystem() {
  return {
    uid: typeof process.getuid === 'function' ? process.getuid() : -1,
    apt: commandWorks('apt-get', ['--version']) && commandWorks('dpkg-query', ['--version']),
    // sudo without a password, or one that can ask for it on this terminal
    sudo: commandWorks('sudo', ['-n', 'true']) || (commandWorks('sudo', ['--version']) && Boolean(process.stdin.isTTY)),
    nodeVersion: process.versions.node,
    present: (p) => (p.data ? fashionMnistPresent() : p.pkg === 'g++' ? commandWorks(process.env.CXX || 'g++', ['--version']) : dpkgInstalled(p.pkg)),
    aptKnows: (pkg) => spawnSync('apt-cache', ['show', pkg], { stdio: 'ignore' }).status === 0,
    run: (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0,
  };
}

/** Whether this Node is one the package supports (package.json engines: ^20.19.0 || >=22.12.0). */
function nodeSupported(version) {
  const [major, minor] = version.split('.').map(Number);
  return (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 23;
}

/**
 * Installs the missing packages or says how; returns the exit code. `sys`: what probeSystem() reads; `log`: one
 * line at a time.
 */
function setup(sys, log = console.log) {
  if (!nodeSupported(sys.nodeVersion)) {
    log(`setup: Node ${sys.nodeVersion} is too old: blockwise-ssl needs Node 20.19+ or 22.12+ (https://nodejs.org, or NodeSource's Debian packages)`);
  }
  let missing = PACKAGES.filter((p) => !sys.present(p));
  if (missing.length === 0) {
    log(`setup: everything is installed (${PACKAGES.map((p) => p.pkg).join(', ')}); next: npm ci`);
    return 0;
  }
  const names = missing.map((p) => p.pkg);
  log(`setup: missing ${missing.map((p) => `${p.pkg} (${p.why})`).join(', ')}`);
  const asRoot = sys.uid === 0;
  if (sys.apt && (asRoot || sys.sudo)) {
    const sudo = asRoot ? [] : ['sudo'];
    const run = (args) => {
      log(`setup: ${args.join(' ')}`);
      return sys.run(args[0], args.slice(1));
    };
    if (run([...sudo, 'apt-get', 'update', '-qq'])) {
      // An Ubuntu release without one of them (dataset-fashion-mnist is Debian's) still gets the others.
      const known = names.filter((n) => sys.aptKnows(n));
      if (known.length < names.length) log(`setup: apt knows no ${names.filter((n) => !known.includes(n)).join(', ')}`);
      if (known.length > 0 && run([...sudo, 'apt-get', 'install', '-y', '--no-install-recommends', ...known])) {
        missing = missing.filter((p) => !known.includes(p.pkg));
      }
    }
    if (missing.length === 0) {
      log('setup: installed; next: npm ci (it builds the native addon)');
      return 0;
    }
  } else if (sys.apt) {
    log('setup: not root and no sudo, so nothing was installed; as root, run:');
    log(`  apt-get update && apt-get install -y --no-install-recommends ${names.join(' ')}`);
  } else {
    const native = names.filter((n) => n !== 'dataset-fashion-mnist');
    if (native.length > 0) log(`setup: no apt-get (not Debian/Ubuntu): install ${native.join(' and ')} with your system's package manager`);
  }
  if (missing.some((p) => p.data)) {
    log(`setup: Fashion-MNIST without the Debian package: ${GET_DATA} (downloads it into ~/.cache/blockwise-ssl/datasets), then npm run main`);
    return 1;
  }
  log(`setup: without ${missing.map((p) => p.pkg).join(' and ')} the main job runs on the wasm backend (about 10x slower)`);
  return 0;
}

module.exports = { PACKAGES, setup, nodeSupported };

if (require.main === module) process.exit(setup(probeSystem()));
