#!/usr/bin/env node
// `npm run setup`: what the main job needs beyond `npm ci`, on a fresh Debian/Ubuntu machine. Installs with apt, as
// root or through password-less sudo, the packages that are missing: dataset-fashion-mnist (the main job's data), g++
// and libdnnl-dev (the native backend; without them training runs on WebAssembly, about 10x slower), then builds the
// native addon. Where apt cannot be used it prints the one command to run, and fetches Fashion-MNIST into the user's
// data folder instead (data-scripts), so the main job still runs.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');

/** The apt packages and what each is for. */
const PACKAGES = [
  { name: 'dataset-fashion-mnist', why: 'Fashion-MNIST, the data of the main job' },
  { name: 'g++', why: 'the compiler of the native backend' },
  { name: 'libdnnl-dev', why: 'oneDNN, the convolutions of the native backend' },
];

/**
 * What to do about the `missing` packages: nothing, apt as root, apt through sudo, or a command for the user to run.
 * Pure, so the decision is tested without a machine to change.
 */
function setupPlan({ platform, hasApt, uid, sudoWithoutPassword, missing }) {
  if (missing.length === 0) return { action: 'none', command: null };
  const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...missing];
  if (platform !== 'linux' || !hasApt) {
    return { action: 'manual', command: null, reason: `no apt-get on this ${platform} machine; install the equivalents of ${missing.join(', ')}` };
  }
  if (uid === 0) return { action: 'apt', command: install };
  if (sudoWithoutPassword) return { action: 'sudo-apt', command: ['sudo', ...install] };
  return { action: 'manual', command: ['sudo', 'apt-get', 'update', '&&', 'sudo', ...install], reason: 'not root and sudo asks for a password' };
}

function installed(pkg) {
  return spawnSync('dpkg', ['-s', pkg], { stdio: 'ignore' }).status === 0;
}

function fashionMnistPresent() {
  const dataRoot = process.env.BLOCKWISE_DATA_DIR || path.join(os.homedir(), '.cache', 'blockwise-ssl', 'datasets');
  return ['/usr/share/datasets/fashion-mnist', path.join(dataRoot, 'fashion-mnist')].some((d) => fs.existsSync(path.join(d, 'train-images-idx3-ubyte.gz')));
}

function run(argv) {
  console.log(`setup: ${argv.join(' ')}`);
  const r = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit', cwd: root, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

function main() {
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get && command -v dpkg'], { stdio: 'ignore' }).status === 0;
  const missing = hasApt ? PACKAGES.filter((p) => !installed(p.name)).map((p) => p.name) : PACKAGES.map((p) => p.name);
  // The data may already be there without the package (fetched by data-scripts).
  const needed = missing.filter((p) => !(p === 'dataset-fashion-mnist' && fashionMnistPresent()));
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  const sudoWithoutPassword = uid !== 0 && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  const plan = setupPlan({ platform: process.platform, hasApt, uid, sudoWithoutPassword, missing: needed });
  if (plan.action === 'none') console.log(`setup: ${PACKAGES.map((p) => p.name).join(', ')}: present`);
  let ok = true;
  if (plan.action === 'apt' || plan.action === 'sudo-apt') {
    const prefix = plan.action === 'sudo-apt' ? ['sudo'] : [];
    ok = run([...prefix, 'apt-get', 'update', '-qq']) && run(plan.command);
    if (!ok) console.error('setup: apt-get failed (see above)');
  }
  if (plan.action === 'manual' || !ok) {
    console.error(`setup: cannot install ${needed.join(', ')} here (${plan.reason ?? 'apt-get failed'}).`);
    for (const p of PACKAGES.filter((x) => needed.includes(x.name))) console.error(`  ${p.name}: ${p.why}`);
    if (plan.command) console.error(`setup: run this once, then npm run setup again:\n  ${plan.command.join(' ')}`);
  }
  // The native addon: built by npm ci when its packages were there; build it now if they arrived since.
  if (!fs.existsSync(path.join(root, 'native', 'build', 'blockwise_native.node'))) run([process.execPath, path.join(root, 'native', 'build.js')]);
  if (!fashionMnistPresent()) {
    console.log('setup: fetching Fashion-MNIST into the data folder (no root needed)');
    if (!(run(['npx', 'tsc', '-p', '.']) && run([process.execPath, path.join(root, 'dist', 'data-scripts', 'datasets.js'), 'get', 'fashion-mnist']))) {
      console.error('setup: Fashion-MNIST is still missing; the main job cannot run without it');
      process.exit(1);
    }
  }
  console.log('setup: done');
}

module.exports = { setupPlan, PACKAGES };
if (require.main === module) main();
