/**
 * Plain-text tables for the reviewer's commands (`caps`, `inspect`): columns padded with
 * spaces, long cells word-wrapped to a column's width, so the output reads in a terminal and
 * in a review comment alike. No colours: the output is meant to be pasted.
 */

export interface Column {
  title: string;
  /** Wrap cells longer than this (characters); the column is never wider. */
  width?: number;
}

/** Splits `text` into lines of at most `width` characters, at spaces where it can. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(/\s+/).filter((w) => w !== "")) {
      if (line === "") line = word;
      else if (line.length + 1 + word.length <= width) line += ` ${word}`;
      else {
        lines.push(line);
        line = word;
      }
      while (line.length > width) {
        lines.push(line.slice(0, width));
        line = line.slice(width);
      }
    }
    lines.push(line);
  }
  return lines;
}

/** The table as text, one line per wrapped row line, ending with a newline. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) => columns.map((c, i) => wrapText(row[i] ?? "", c.width ?? Number.MAX_SAFE_INTEGER)));
  const widths = columns.map((c, i) =>
    Math.max(c.title.length, ...cells.map((row) => Math.max(...(row[i] ?? [""]).map((l) => l.length)))));
  const line = (parts: readonly string[]): string =>
    parts.map((p, i) => (i === parts.length - 1 ? p : p.padEnd(widths[i] ?? 0))).join("  ").trimEnd();
  let out = `${line(columns.map((c) => c.title.toUpperCase()))}\n`;
  for (const row of cells) {
    const height = Math.max(...row.map((c) => c.length));
    for (let k = 0; k < height; k++) out += `${line(row.map((c) => c[k] ?? ""))}\n`;
  }
  return out;
}
