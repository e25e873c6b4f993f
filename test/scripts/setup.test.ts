import * as assert from 'assert';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

interface Pkg { pkg: string; data?: boolean }
interface FakeSystem {
  uid: number;
  apt: boolean;
  sudo: boolean;
  nodeVersion: string;
  present: (p: Pkg) => boolean;
  aptKnows: (pkg: string) => boolean;
  run: (cmd: string, args: string[]) => boolean;
}
const { setup, nodeSupported } = require(path.join(ROOT, 'scripts', 'setup.js')) as {
  setup: (sys: FakeSystem, log: (line: string) => void) => number;
  nodeSupported: (version: string) => boolean;
};

/** Runs setup on a fake machine; returns its exit code, printed lines and the commands it ran. */
function fake(over: Partial<FakeSystem>): { code: number; lines: string[]; ran: string[] } {
  const lines: string[] = [];
  const ran: string[] = [];
  const sys: FakeSystem = {
    uid: 0, apt: true, sudo: false, nodeVersion: '20.19.0', present: () => true, aptKnows: () => true,
    run: (cmd, args) => { ran.push([cmd, ...args].join(' ')); return true; },
    ...over,
  };
  return { code: setup(sys, (l) => lines.push(l)), lines, ran };
}

describe('scripts/setup (npm run setup)', () => {
  it('says everything is installed and runs nothing when the packages are there', () => {
    const { code, lines, ran } = fake({});
    assert.strictEqual(code, 0);
    assert.deepStrictEqual(lines, ['setup: everything is installed (g++, libdnnl-dev, dataset-fashion-mnist); next: npm ci']);
    assert.deepStrictEqual(ran, []);
  });

  it('as root installs only what is missing, after apt-get update', () => {
    const { code, ran } = fake({ present: (p) => p.pkg === 'g++' });
    assert.strictEqual(code, 0);
    assert.deepStrictEqual(ran, ['apt-get update -qq', 'apt-get install -y --no-install-recommends libdnnl-dev dataset-fashion-mnist']);
  });

  it('without root or sudo installs nothing, prints the one command and the data-scripts way, and fails for missing data', () => {
    const { code, lines, ran } = fake({ uid: 1000, sudo: false, present: () => false });
    assert.strictEqual(code, 1);
    assert.deepStrictEqual(ran, []);
    assert.ok(lines.includes('  apt-get update && apt-get install -y --no-install-recommends g++ libdnnl-dev dataset-fashion-mnist'), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes('npm ci && node dist/data-scripts/datasets.js get fashion-mnist')), lines.join('\n'));
  });

  it('without root, with the data present, lets the chain go on (the wasm backend is slower, not broken)', () => {
    const { code, lines } = fake({ uid: 1000, present: (p) => p.data === true });
    assert.strictEqual(code, 0);
    assert.match(lines[lines.length - 1], /without g\+\+ and libdnnl-dev the main job runs on the wasm backend/);
  });

  it('through sudo installs what apt knows and points to the data-scripts for a dataset it does not', () => {
    const { code, lines, ran } = fake({ uid: 1000, sudo: true, present: () => false, aptKnows: (p) => p !== 'dataset-fashion-mnist' });
    assert.strictEqual(code, 1);
    assert.deepStrictEqual(ran, ['sudo apt-get update -qq', 'sudo apt-get install -y --no-install-recommends g++ libdnnl-dev']);
    assert.ok(lines.includes('setup: apt knows no dataset-fashion-mnist'), lines.join('\n'));
  });

  it('knows the supported Node versions (package.json engines)', () => {
    assert.deepStrictEqual(['18.19.0', '20.18.1', '20.19.0', '21.7.0', '22.11.0', '22.12.0', '24.1.0'].map(nodeSupported), [false, false, true, false, false, true, true]);
  });
});
