/**
 * A progress reporter for long downloads and imports, printed on stderr: one self-overwriting line on a
 * terminal (at most five updates a second), otherwise a line at every tenth of the total.
 */
export function progressReporter(label: string, unit: 'bytes' | 'images', stream: NodeJS.WriteStream = process.stderr): (done: number, total: number | null) => void {
  const fmt = (n: number): string => (unit === 'bytes' ? `${(n / 1e6).toFixed(1)} MB` : `${n} images`);
  let lastTime = 0;
  let lastTenth = -1;
  const started = Date.now();
  return (done, total) => {
    const finished = total !== null && done >= total;
    const pct = total ? ` ${Math.floor((100 * done) / total)}%` : '';
    const rate = unit === 'images' ? ` (${Math.round(done / Math.max(1e-3, (Date.now() - started) / 1000))}/s)` : '';
    const text = `${label}:${pct} ${fmt(done)}${total ? ` of ${fmt(total)}` : ''}${rate}`;
    if (stream.isTTY) {
      const now = Date.now();
      if (!finished && now - lastTime < 200) return;
      lastTime = now;
      stream.write(`\r${text}\x1b[K${finished ? '\n' : ''}`);
      return;
    }
    const tenth = total ? Math.floor((10 * done) / total) : Math.floor(done / (unit === 'bytes' ? 10e6 : 1000));
    if (tenth !== lastTenth || finished) {
      lastTenth = tenth;
      stream.write(`${text}\n`);
    }
  };
}
