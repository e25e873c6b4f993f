import * as assert from 'assert';
import { formatBlockLosses, formatDuration, formatRate, ProgressBar, progressLine } from '../../lib/cli/progress';
import { StepEvent } from '../../lib/train/run-training';

function event(step: number, totalSteps: number, over: Partial<StepEvent> = {}): StepEvent {
  return {
    step,
    totalSteps,
    epoch: 0,
    stepInEpoch: step,
    stepsPerEpoch: totalSteps,
    phase: 0,
    phases: 1,
    phaseBlocks: [0, 1, 2, 3],
    blockLosses: [123.4, 45.67, Number.NaN, 0.5],
    loss: 169.57,
    lr: 0.1,
    imagesPerSecond: 51.2,
    elapsedSeconds: 83,
    etaSeconds: 3723,
    ...over,
  };
}

/** A stream that records what is written. */
function recorder(isTTY: boolean): { text: string; write(t: string): boolean; isTTY: boolean; columns: number } {
  return {
    text: '',
    isTTY,
    columns: 200,
    write(t: string) {
      this.text += t;
      return true;
    },
  };
}

describe('cli/progress', () => {
  it('formats durations, block losses and a progress line with step / total, ETA, images/s and per-block loss', () => {
    assert.deepStrictEqual([formatDuration(0), formatDuration(83), formatDuration(3723), formatDuration(Number.NaN)], ['0:00', '1:23', '1:02:03', '--:--']);
    assert.strictEqual(formatBlockLosses([123.4, 45.67, Number.NaN, 0.5]), 'b1 123 b2 45.7 b3 - b4 0.500');
    assert.strictEqual(
      progressLine(event(119, 400), { label: 'run', barWidth: 10 }),
      'run [###.......] 120/400 30% 1:23 ETA 1:02:03 51 img/s | loss b1 123 b2 45.7 b3 - b4 0.500',
    );
    assert.ok(progressLine(event(0, 8, { phase: 1, phases: 4 })).includes(' phase 2/4 '));
    // The paper preset on a CPU: a step of 4 images every 32 s.
    assert.ok(progressLine(event(3, 4, { imagesPerSecond: 4 / 32 })).includes(' 0.13 img/s '));
    assert.deepStrictEqual([formatRate(51.2), formatRate(9.87), formatRate(0), formatRate(Number.NaN)], ['51', '9.9', '0', 'NaN']);
  });

  it('without a terminal: plain lines, about every 5% and at the last step', () => {
    const out = recorder(false);
    const bar = new ProgressBar(out);
    for (let s = 0; s < 100; s++) bar.update(event(s, 100));
    bar.done();
    const lines = out.text.trim().split('\n');
    assert.strictEqual(lines.length, 21);
    assert.ok(lines[0].startsWith('1/100 1% ') && lines[20].startsWith('100/100 100% '), lines.join('\n'));
    assert.ok(!out.text.includes('\r'));
  });

  it('on a terminal: one line redrawn in place at most every interval, messages above it, a newline at the end', () => {
    const out = recorder(true);
    let now = 0;
    const bar = new ProgressBar(out, { intervalMs: 100, now: () => now });
    bar.update(event(0, 3));
    now = 50;
    bar.update(event(1, 3));
    bar.message('hello');
    now = 60;
    bar.update(event(2, 3));
    bar.done();
    const first = progressLine(event(0, 3));
    assert.deepStrictEqual(out.text.split('\r\x1b[2K'), ['', first, `hello\n${first}`, `${progressLine(event(2, 3))}\n`]);
  });
});
