import { StepEvent } from '../train/run-training';

/** Where progress goes: a stream that may be a terminal. */
export interface ProgressStream {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

/** `83` -> `1:23`, `3723` -> `1:02:03`; `--:--` when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

/** The live loss of every block, `b1 12.3 b2 45.6 ...`; blocks without a loss this step show `-`. */
export function formatBlockLosses(losses: readonly number[]): string {
  const value = (l: number) => (Number.isNaN(l) ? '-' : Math.abs(l) >= 100 ? l.toFixed(0) : l.toPrecision(3));
  return losses.map((l, k) => `b${k + 1} ${value(l)}`).join(' ');
}

/** One progress line: `label [####....] 120/421 28% 1:23 ETA 5:12 51 img/s | loss b1 .. b4 ..`. */
export function progressLine(e: StepEvent, { label = '', barWidth = 20 }: { label?: string; barWidth?: number } = {}): string {
  const done = e.step + 1;
  const fraction = e.totalSteps > 0 ? done / e.totalSteps : 1;
  const filled = Math.round(fraction * barWidth);
  const bar = barWidth > 0 ? `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ` : '';
  const phase = e.phases > 1 ? ` phase ${e.phase + 1}/${e.phases}` : '';
  return (
    `${label ? `${label} ` : ''}${bar}${done}/${e.totalSteps} ${(100 * fraction).toFixed(0)}%${phase} ` +
    `${formatDuration(e.elapsedSeconds)} ETA ${formatDuration(e.etaSeconds)} ${formatRate(e.imagesPerSecond)} img/s | loss ${formatBlockLosses(e.blockLosses)}`
  );
}

/** Images per second: whole numbers from 10 up, two significant digits below (the paper preset on a CPU: 0.12). */
export function formatRate(perSecond: number): string {
  return perSecond >= 10 || perSecond === 0 || !Number.isFinite(perSecond) ? perSecond.toFixed(0) : perSecond.toPrecision(2);
}

/**
 * A progress bar on a stream (stderr): on a terminal one line redrawn in place (at most every `intervalMs`), with
 * step / total, elapsed time, ETA, images per second and the live loss of every block; elsewhere (a log file, CI)
 * plain lines, about every 5% of the run and at its last step. `message` prints a line without breaking the bar.
 */
export class ProgressBar {
  private shown = '';
  private lastDraw = -Infinity;
  private lastLineStep = -1;
  private readonly tty: boolean;

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: { intervalMs?: number; now?: () => number } = {},
  ) {
    this.tty = stream.isTTY === true;
  }

  update(e: StepEvent, label = ''): void {
    const now = (this.options.now ?? Date.now)();
    const last = e.step + 1 === e.totalSteps;
    if (this.tty) {
      if (!last && now - this.lastDraw < (this.options.intervalMs ?? 100)) return;
      const width = Math.max(40, (this.stream.columns ?? 100) - 1);
      const line = progressLine(e, { label });
      this.draw(line.length > width ? line.slice(0, width) : line);
      this.lastDraw = now;
      return;
    }
    const every = Math.max(1, Math.floor(e.totalSteps / 20));
    if (last || e.step === 0 || e.step - this.lastLineStep >= every) {
      this.stream.write(`${progressLine(e, { label, barWidth: 0 })}\n`);
      this.lastLineStep = e.step;
    }
  }

  /** Prints a line of its own (above the bar on a terminal). */
  message(text: string): void {
    if (this.tty && this.shown) {
      this.stream.write(`\r\x1b[2K${text}\n${this.shown}`);
      return;
    }
    this.stream.write(`${text}\n`);
  }

  /** Ends the bar's line, so that later output starts on a fresh line. */
  done(): void {
    if (this.tty && this.shown) this.stream.write('\n');
    this.shown = '';
  }

  private draw(line: string): void {
    this.stream.write(`\r\x1b[2K${line}`);
    this.shown = line;
  }
}
