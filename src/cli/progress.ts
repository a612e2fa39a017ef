/** A terminal progress bar with steps/s, ETA and the latest losses; plain lines when not a TTY. */

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '--';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

export class Progress {
  private readonly t0 = performance.now();
  private lastLine = 0;
  private lastPct = -1;
  private readonly tty: boolean;

  constructor(private readonly total: number, private readonly out: NodeJS.WriteStream = process.stderr, private readonly quiet = false) {
    this.tty = !!out.isTTY;
  }

  /** Seconds since start. */
  get elapsed(): number {
    return (performance.now() - this.t0) / 1000;
  }

  update(done: number, detail: string): void {
    if (this.quiet) return;
    const rate = done / Math.max(this.elapsed, 1e-9);
    const eta = (this.total - done) / rate;
    const pct = Math.floor((100 * done) / this.total);
    const width = 24;
    const fill = Math.round((width * done) / this.total);
    const line = `[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${done}/${this.total} ${rate.toFixed(1)} steps/s ETA ${fmtTime(eta)}  ${detail}`;
    if (this.tty) {
      const now = performance.now();
      if (now - this.lastLine < 100 && done < this.total) return;
      this.lastLine = now;
      this.out.write(`\r${line.slice(0, (this.out.columns || 160) - 1)}\x1b[K`);
      if (done === this.total) this.out.write('\n');
    } else if (pct >= this.lastPct + 10 || done === this.total) {
      this.lastPct = pct;
      this.out.write(`${line}\n`);
    }
  }

  /** Prints a message on its own line without breaking the bar. */
  note(msg: string): void {
    this.out.write(`${this.tty ? '\r\x1b[K' : ''}${msg}\n`);
  }
}
