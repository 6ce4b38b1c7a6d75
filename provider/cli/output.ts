/** Plain text for people; --json elsewhere is for scripts. */
export interface Output {
  write(text: string): void;
}

/** What --json prints: indented, one value, newline-terminated. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function printTable(out: Output, rows: ReadonlyArray<Record<string, unknown>>, columns: readonly string[]): void {
  if (rows.length === 0) {
    out.write("no secrets\n");
    return;
  }
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? "")));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: readonly string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd();
  out.write(`${line(columns.map((c) => c.toUpperCase()))}\n`);
  for (const row of cells) out.write(`${line(row)}\n`);
}

export function printRecord(out: Output, record: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(record)) {
    if (value === "" || value === undefined) continue;
    out.write(`${key}: ${typeof value === "object" ? JSON.stringify(value) : String(value)}\n`);
  }
}
