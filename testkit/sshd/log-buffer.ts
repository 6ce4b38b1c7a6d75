/** Line-oriented, size-capped in-memory log (sshd's stderr). */
export class LogBuffer {
  private readonly lines: string[] = [];
  private partial = "";
  private readonly listeners = new Set<(line: string) => void>();

  constructor(private readonly maxLines = 20_000) {}

  write(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split("\n");
    this.partial = parts.pop() ?? "";
    for (const raw of parts) this.push(raw.replace(/\r$/, ""));
  }

  /** Flushes a trailing line that had no newline (call on stream end). */
  end(): void {
    if (this.partial !== "") this.push(this.partial);
    this.partial = "";
  }

  onLine(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  text(): string {
    const pending = this.partial === "" ? [] : [this.partial];
    return [...this.lines, ...pending].join("\n");
  }

  private push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
    for (const l of this.listeners) l(line);
  }
}
