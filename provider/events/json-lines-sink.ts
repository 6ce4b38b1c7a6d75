import type { EventSink } from "./event-sink";

/** `--events json`: one event per line on stdout, as each attempt ends. */
export function jsonLinesSink(out: { write(text: string): void }): EventSink {
  return {
    name: "json",
    emit: (event) => out.write(`${JSON.stringify(event)}\n`),
    flush: async () => undefined,
  };
}
