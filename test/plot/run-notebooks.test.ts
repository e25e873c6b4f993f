import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const RUNNER = path.join(ROOT, 'scripts', 'notebooks', 'run-notebooks.py');
const PYTHON = '/usr/bin/python3';

/** Why the runner cannot run here (no Debian Python with nbclient, no tslab), or null. */
function runnerUnavailable(): string | null {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} is missing`;
  const probe = spawnSync(PYTHON, ['-c', 'import nbclient, nbformat'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'jupyter is not installed (apt-get install jupyter-nbconvert jupyter-client)';
  if (!fs.existsSync(path.join(ROOT, 'node_modules', 'tslab'))) return 'tslab is not installed (npm ci)';
  return null;
}

/** A notebook for the blockwise-ssl kernel with these code cells and promised figures (of saved results of `experiment`). */
function notebook(cells: string[], figures: string[] = [], experiment?: string): string {
  return JSON.stringify({
    cells: cells.map((source, i) => ({ cell_type: 'code', id: `c${i}`, execution_count: null, metadata: {}, outputs: [], source })),
    metadata: {
      kernelspec: { name: 'blockwise-ssl', display_name: 'TypeScript (blockwise-ssl)', language: 'typescript' },
      blockwise_ssl: { ...(experiment ? { experiment } : {}), figures },
    },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

describe('scripts/notebooks/run-notebooks', function () {
  this.timeout(300000);
  let dir = '';
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails on a throwing cell (printing its source and stderr) and on a promised figure that was not shown', function () {
    const unavailable = runnerUnavailable();
    if (unavailable) {
      console.log(`      skipped: ${unavailable}`);
      this.skip();
    }
    // Inside the repository, so that the kernel resolves 'blockwise-ssl' through node_modules.
    fs.mkdirSync(path.join(ROOT, '.cache'), { recursive: true });
    dir = fs.mkdtempSync(path.join(ROOT, '.cache', 'notebook-runner-test-'));
    const files = {
      broken: notebook(['const answer: number = 42;', "// the failing cell\nthrow new Error('broken on purpose ' + answer);", "console.log('never runs');"]),
      missing: notebook(["console.log('no figure here');"], ['promised figure']),
      good: notebook(
        ["import { barFigure, display } from 'blockwise-ssl';\nawait display(barFigure(['a'], [{ name: 's', values: [1] }], { title: 'bars' }));"],
        ['bars'],
      ),
    };
    for (const [name, json] of Object.entries(files)) fs.writeFileSync(path.join(dir, `${name}.ipynb`), json);
    const out = path.join(dir, 'out');
    const run = spawnSync(PYTHON, [RUNNER, ...Object.keys(files).map((n) => path.join(dir, `${n}.ipynb`)), '--out', out], {
      encoding: 'utf8',
      env: { ...process.env, BLOCKWISE_PLOT_PNG: '0' },
      timeout: 280000,
    });
    const output = run.stdout + run.stderr;
    assert.strictEqual(run.status, 1, output);
    assert.match(output, /FAIL broken\.ipynb/);
    assert.match(output, /in cell 1 \(code cell 2\):\n\s+\/\/ the failing cell\n\s+throw new Error\('broken on purpose ' \+ answer\);/);
    assert.match(output, /Error: broken on purpose 42/);
    assert.doesNotMatch(output, /never runs/);
    assert.match(output, /FAIL missing\.ipynb[^\n]*\n\s+figure 'promised figure' promised in the notebook metadata was not displayed \(displayed: none\)/);
    assert.match(output, /ok {3}good\.ipynb/);
    assert.match(output, /1 passed, 2 failed/);
    const executed = JSON.parse(fs.readFileSync(path.join(out, 'good.ipynb'), 'utf8'));
    const shown = executed.cells[0].outputs.find((o: { data?: Record<string, unknown> }) => o.data?.['application/vnd.plotly.v1+json']);
    assert.deepStrictEqual(shown.metadata['blockwise-ssl'], { figure: 'bars' });
    assert.ok(fs.existsSync(path.join(out, 'broken.ipynb')), 'the failed notebook is written too');
  });

  it('--gallery runs only notebooks with saved results at the scale, never retraining, and writes their PNGs as <name>-<n>.png', function () {
    const unavailable = runnerUnavailable() ?? (fs.existsSync('/usr/bin/chromium') ? null : 'no chromium for the PNGs');
    if (unavailable) {
      console.log(`      skipped: ${unavailable}`);
      this.skip();
    }
    fs.mkdirSync(path.join(ROOT, '.cache'), { recursive: true });
    dir = fs.mkdtempSync(path.join(ROOT, '.cache', 'notebook-gallery-test-'));
    const results = path.join(dir, 'results');
    for (const [figure, scale] of [['fig4', 'cpu'], ['fig5', 'smoke']]) {
      fs.mkdirSync(path.join(results, 'cpu', figure), { recursive: true });
      fs.writeFileSync(path.join(results, 'cpu', figure, 'preset.json'), JSON.stringify({ scale }));
      fs.writeFileSync(path.join(results, 'cpu', figure, 'results.csv'), '');
    }
    const show = (title: string) => `import { barFigure, display } from 'blockwise-ssl';\nawait display(barFigure(['a'], [{ name: 's', values: [1] }], { title: '${title}' }));`;
    const files = {
      saved: notebook(["if (process.env.BLOCKWISE_RETRAIN !== undefined) throw new Error('BLOCKWISE_RETRAIN reached the kernel');", show('one'), show('two')], ['one', 'two'], 'fig4'),
      smokeSaved: notebook([show('three')], ['three'], 'fig5'),
      unsaved: notebook([show('four')], ['four'], 'fig6'),
      unnamed: notebook([show('five')], ['five']),
    };
    for (const [name, json] of Object.entries(files)) fs.writeFileSync(path.join(dir, `${name}.ipynb`), json);
    const gallery = path.join(dir, 'gallery');
    fs.mkdirSync(gallery);
    fs.writeFileSync(path.join(gallery, 'saved-3.png'), 'stale');
    const run = spawnSync(PYTHON, [RUNNER, ...Object.keys(files).map((n) => path.join(dir, `${n}.ipynb`)), '--scale', 'cpu', '--out', path.join(dir, 'out'), '--gallery', gallery], {
      encoding: 'utf8',
      env: { ...process.env, BLOCKWISE_RESULTS: results, BLOCKWISE_RETRAIN: '1' },
      timeout: 280000,
    });
    const output = run.stdout + run.stderr;
    assert.strictEqual(run.status, 0, output);
    assert.match(output, /skip smokeSaved\.ipynb: .*fig5\/preset\.json is a smoke-scale preset, not cpu/);
    assert.match(output, /skip unsaved\.ipynb: no .*fig6\/results\.csv/);
    assert.match(output, /skip unnamed\.ipynb: its metadata names no experiment/);
    assert.match(output, /1 passed, 0 failed, 3 skipped \(no saved results\)/);
    assert.deepStrictEqual(fs.readdirSync(gallery).sort(), ['saved-1.png', 'saved-2.png']);
    assert.deepStrictEqual([...fs.readFileSync(path.join(gallery, 'saved-1.png')).subarray(1, 4)], [...Buffer.from('PNG')]);
  });
});
