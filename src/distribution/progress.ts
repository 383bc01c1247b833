// dockerd's JSON progress messages for pull and push (the docker CLI draws its bars from them).
export interface ProgressDetail {
  current?: number;
  total?: number;
}

function bar(d: ProgressDetail): string {
  if (!d.total || d.current === undefined) return '';
  const width = 50;
  const n = Math.min(width, Math.floor((d.current / d.total) * width));
  const human = (b: number) => (b < 1e3 ? `${b}B` : b < 1e6 ? `${(b / 1e3).toFixed(1)}kB` : b < 1e9 ? `${(b / 1e6).toFixed(1)}MB` : `${(b / 1e9).toFixed(2)}GB`);
  return `[${'='.repeat(Math.max(0, n - 1))}${n > 0 ? '>' : ''}${' '.repeat(width - n)}] ${human(d.current)}/${human(d.total)}`;
}

export class Progress {
  private readonly write: (m: unknown) => void;
  private readonly last = new Map<string, number>();

  constructor(write: (m: unknown) => void) {
    this.write = write;
  }

  status(status: string, id?: string): void {
    this.write(id ? { status, id } : { status });
  }

  /** A per-layer line; byte progress is sent at most every 100 ms per layer. */
  layer(id: string, status: string, detail?: ProgressDetail): void {
    if (detail && detail.current !== detail.total) {
      const now = Date.now();
      if (now - (this.last.get(id) ?? 0) < 100) return;
      this.last.set(id, now);
    }
    const m: Record<string, unknown> = { status, progressDetail: detail ?? {}, id };
    const p = detail ? bar(detail) : '';
    if (p) m.progress = p;
    this.write(m);
  }

  aux(aux: unknown): void {
    this.write({ progressDetail: {}, aux });
  }
}
