/**
 * Last-resort cleanup when the test process exits without stopping its hosts
 * (an uncaught error, a forgotten stop()). Handlers run synchronously from
 * process "exit" and only touch what their host started.
 */
const handlers = new Set<() => void>();
let installed = false;

export function registerExitCleanup(handler: () => void): () => void {
  if (!installed) {
    installed = true;
    process.once("exit", () => {
      for (const h of [...handlers]) {
        try {
          h();
        } catch {
          // best effort: keep cleaning up the other hosts
        }
      }
      handlers.clear();
    });
  }
  handlers.add(handler);
  return () => {
    handlers.delete(handler);
  };
}
