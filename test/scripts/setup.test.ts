import * as assert from 'assert';
import * as path from 'path';

// scripts/setup.js is plain JavaScript (it runs before anything is built); dist/test/scripts -> the repository root.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { setupPlan, PACKAGES } = require(path.join(__dirname, '..', '..', '..', 'scripts', 'setup.js'));

describe('npm run setup (scripts/setup.js)', () => {
  const missing = ['dataset-fashion-mnist', 'libdnnl-dev'];
  const linux = { platform: 'linux', hasApt: true, sudoWithoutPassword: false, missing };

  it('installs what is missing with apt as root, through sudo when it needs no password, and does nothing when all is there', () => {
    assert.deepStrictEqual(setupPlan({ ...linux, uid: 0 }), { action: 'apt', command: ['apt-get', 'install', '-y', '--no-install-recommends', ...missing] });
    assert.deepStrictEqual(setupPlan({ ...linux, uid: 1000, sudoWithoutPassword: true }).command, ['sudo', 'apt-get', 'install', '-y', '--no-install-recommends', ...missing]);
    assert.deepStrictEqual(setupPlan({ ...linux, uid: 1000, missing: [] }), { action: 'none', command: null });
    assert.deepStrictEqual(PACKAGES.map((p: { name: string }) => p.name), ['dataset-fashion-mnist', 'g++', 'libdnnl-dev']);
  });

  it('without root or password-less sudo, or without apt, prints the one command instead of failing silently', () => {
    const user = setupPlan({ ...linux, uid: 1000 });
    assert.strictEqual(user.action, 'manual');
    assert.strictEqual(user.command.join(' '), 'sudo apt-get update && sudo apt-get install -y --no-install-recommends dataset-fashion-mnist libdnnl-dev');
    assert.match(user.reason, /sudo asks for a password/);
    const mac = setupPlan({ platform: 'darwin', hasApt: false, uid: 501, sudoWithoutPassword: false, missing });
    assert.strictEqual(mac.action, 'manual');
    assert.match(mac.reason, /no apt-get on this darwin machine/);
  });
});
