import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { arrayManifest, arrayTasks, indexRanges, preset, sourceState, waitForSource, withOverrides } from '../../lib/experiments';
import { writeRunJson } from '../../lib/train/run-folder';

describe('experiments/job-array', () => {
  const made: string[] = [];
  const tempDir = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bwssl-array-'));
    made.push(dir);
    return dir;
  };
  after(() => {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('one index per run and seed; a run that starts from another run comes in the next wave, after its own seed\'s source', () => {
    const p = withOverrides(preset('fig7', 'smoke'), { seeds: [0, 1] });
    const tasks = arrayTasks(p, '/x/fig7');
    assert.deepStrictEqual(
      tasks.map((t) => [t.index, t.label, t.seed, t.wave, t.source]),
      [
        [0, 'end-to-end', 0, 0, null],
        [1, 'sequential-lsp', 0, 0, null],
        [2, 'merged-b1-b2', 0, 0, null],
        [3, 'simultaneous-lsp', 0, 0, null],
        [4, 'end-to-end', 1, 0, null],
        [5, 'sequential-lsp', 1, 0, null],
        [6, 'merged-b1-b2', 1, 0, null],
        [7, 'simultaneous-lsp', 1, 0, null],
        [8, 'e2e-first-block-sequential', 0, 1, 0],
        [9, 'e2e-first-block-sequential', 1, 1, 4],
      ],
    );
    assert.strictEqual(tasks[9].runDir, '/x/fig7/e2e-first-block-sequential/seed-1');
    assert.deepStrictEqual(arrayManifest(p, '/x/fig7', ['reproduce']).waves, [{ first: 0, last: 7 }, { first: 8, last: 9 }]);
    const fig4 = arrayTasks(preset('fig4', 'smoke'), '/x/fig4');
    assert.deepStrictEqual(fig4.map((t) => t.index), [...fig4.keys()]);
    assert.ok(fig4.every((t) => t.wave === 0 && t.source === null && t.runDir === `/x/fig4/${t.label}`));
    assert.deepStrictEqual(fig4.filter((t) => t.untrained).map((t) => t.label), ['random-init']);
  });

  it('indexRanges writes a SLURM --array list', () => {
    assert.strictEqual(indexRanges([7, 0, 1, 2, 3, 5, 8, 5]), '0-3,5,7-8');
    assert.strictEqual(indexRanges([4]), '4');
  });

  it('a dependent index waits for its source, and fails at once when the source failed', async () => {
    const out = tempDir();
    const p = preset('fig7', 'smoke');
    const tasks = arrayTasks(p, out);
    const dependent = tasks[4];
    const status = (state: string, step: number, message?: string): void => {
      fs.mkdirSync(tasks[0].runDir, { recursive: true });
      writeRunJson(path.join(tasks[0].runDir, 'status.json'), { state, step, totalSteps: 4, lastCheckpoint: null, updated: '', ...(message ? { message } : {}) });
    };
    assert.deepStrictEqual(sourceState(out, tasks, tasks[0]), { ready: true });
    assert.deepStrictEqual(sourceState(out, tasks, dependent), { ready: false, failed: false, reason: 'index 0 (end-to-end, seed 0), which it starts from, is not started' });
    status('stopped', 2);
    assert.match((sourceState(out, tasks, dependent) as { reason: string }).reason, /is stopped at step 2\/4$/);

    let polls = 0;
    const waiting = waitForSource(out, tasks, dependent, { pollMs: 5 });
    const timer = setInterval(() => {
      polls++;
      if (polls === 3) status('completed', 4);
    }, 5);
    assert.strictEqual(await waiting, true);
    clearInterval(timer);
    assert.ok(polls >= 3);

    status('failed', 3, 'non-finite loss at step 3');
    await assert.rejects(waitForSource(out, tasks, dependent, { pollMs: 5 }), /index 4 \(e2e-first-block-sequential, seed 0\) cannot start: index 0 \(end-to-end, seed 0\) failed: non-finite loss at step 3/);
    status('running', 1);
    const controller = new AbortController();
    controller.abort();
    assert.strictEqual(await waitForSource(out, tasks, dependent, { pollMs: 60_000, signal: controller.signal }), false);
  });
});
