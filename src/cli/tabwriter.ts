// A port of Go's text/tabwriter as docker uses it for tables: NewWriter(out, 10, 1, 3, ' ', 0).
// Cells are tab-terminated; the text after a line's last tab is not part of a column.
// Column blocks are runs of consecutive lines that have a cell in that column.

interface Cell {
  text: string;
  width: number;
}

export class TabWriter {
  private readonly minwidth: number;
  private readonly padding: number;
  private lines: Cell[][] = [[]];
  private partial = '';
  private widths: number[] = [];
  private out = '';

  constructor(minwidth = 10, padding = 3) {
    this.minwidth = minwidth;
    this.padding = padding;
  }

  write(text: string): void {
    let s = this.partial + text;
    this.partial = '';
    for (;;) {
      const m = /[\t\n]/.exec(s);
      if (!m) {
        this.partial = s;
        return;
      }
      const cellText = s.slice(0, m.index);
      this.lines[this.lines.length - 1].push({ text: cellText, width: [...cellText].length });
      if (m[0] === '\n') this.lines.push([]);
      s = s.slice(m.index + 1);
    }
  }

  /** Formats everything written so far and returns it. */
  flush(): string {
    if (this.partial) {
      this.lines[this.lines.length - 1].push({ text: this.partial, width: [...this.partial].length });
      this.partial = '';
    }
    const last = this.lines[this.lines.length - 1];
    const endsWithNewline = last.length === 0;
    if (endsWithNewline) this.lines.pop();
    this.out = '';
    this.widths = [];
    this.format(0, this.lines.length);
    const result = endsWithNewline ? this.out : this.out.slice(0, -1);
    this.lines = [[]];
    this.out = '';
    return result;
  }

  private format(line0: number, line1: number): void {
    const column = this.widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= this.lines[i].length - 1) continue;
      this.writeLines(line0, i);
      line0 = i;
      let width = this.minwidth;
      for (; i < line1; i++) {
        const line = this.lines[i];
        if (column >= line.length - 1) break;
        const w = line[column].width + this.padding;
        if (w > width) width = w;
      }
      this.widths.push(width);
      this.format(line0, i);
      this.widths.pop();
      line0 = i;
      i--; // the outer loop's increment re-examines line i
    }
    this.writeLines(line0, line1);
  }

  private writeLines(line0: number, line1: number): void {
    for (let i = line0; i < line1; i++) {
      const line = this.lines[i];
      line.forEach((c, j) => {
        this.out += c.text;
        if (j < this.widths.length) this.out += ' '.repeat(Math.max(0, this.widths[j] - c.width));
      });
      this.out += '\n';
    }
  }
}

/** Formats rows of cells (no tabs inside) as docker's tables do. */
export function table(rows: string[][], minwidth = 10, padding = 3): string {
  const tw = new TabWriter(minwidth, padding);
  for (const r of rows) tw.write(r.join('\t') + '\n');
  return tw.flush();
}
