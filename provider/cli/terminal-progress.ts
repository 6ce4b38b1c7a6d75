import { clearLine, cursorTo } from "node:readline";
import { MultiBar, Presets } from "cli-progress";

/**
 * The run's progress bar on a terminal, and the one door lines take to that
 * terminal while it is drawn: a line written past the bar would land on the
 * bar's row and the next redraw would overwrite it. Each line is written at
 * column 0 of a cleared row, and the bar redrawn below it, at once
 * (cli-progress's own log() buffers lines until its next timed redraw, and
 * drops what is still buffered when stopped).
 */
export interface TerminalProgress {
  start(total: number): void;
  update(done: number): void;
  stop(): void;
  /** Writes a complete line (ending in a newline) above the bar. */
  log(line: string): void;
  /**
   * Runs `write`, which writes complete lines to another stream on the same
   * terminal (stdout: --events json), above the bar.
   */
  above(write: () => void): void;
}

export interface TerminalStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export function terminalProgress(stream: TerminalStream): TerminalProgress {
  const bars = new MultiBar(
    // linewrap: cli-progress otherwise turns the terminal's autowrap off while drawing, which would cut long log lines at the edge.
    // forceRedraw: it skips a redraw when the bar's text is unchanged, which after a log line leaves the bar's row empty.
    { format: "rotating [{bar}] {value}/{total} ({eta}s left)", stream: stream as NodeJS.WritableStream, clearOnComplete: true, linewrap: true, hideCursor: true, forceRedraw: true },
    Presets.shades_classic,
  );
  let bar: ReturnType<typeof bars.create> | undefined;
  const above = (write: () => void) => {
    if (!bar) return write();
    // A single bar leaves the cursor on its own row: clear it, write, and draw the bar on the row below.
    cursorTo(stream as NodeJS.WritableStream, 0);
    clearLine(stream as NodeJS.WritableStream, 0);
    write();
    bars.update();
  };
  return {
    start(total) {
      if (total > 0 && !bar) bar = bars.create(total, 0);
    },
    update(done) {
      bar?.update(done);
    },
    stop() {
      if (!bar) return;
      bars.stop();
      bar = undefined;
    },
    log: (line) => above(() => stream.write(line)),
    above,
  };
}
