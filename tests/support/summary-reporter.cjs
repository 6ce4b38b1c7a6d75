// Mocha's spec output, then each test file's wall time (hooks included), the slowest first,
// then one plain closing line ("mocha: N passed, N failed, N skipped in M min S s") that CI
// tooling reads regardless of the runner, and that the README's test-run figure quotes.
const { readFileSync } = require("node:fs");
const { join, relative } = require("node:path");
const Mocha = require("mocha");
const { Spec } = Mocha.reporters;
const { EVENT_RUN_BEGIN, EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END } = Mocha.Runner.constants;

/** Written by tests/support/test-run-fixtures.ts's root hooks, one line per file, under --parallel. */
const FILE_TIMES = "file-times.jsonl";
const SHOWN = 15;

class SpecWithSummary extends Spec {
  constructor(runner, options) {
    super(runner, options);
    let started = Date.now();
    // Without --parallel the events are live: a file's top-level suites are timed here.
    const live = new Map();
    const opened = new Map();
    runner.on(EVENT_RUN_BEGIN, () => (started = Date.now()));
    runner.on(EVENT_SUITE_BEGIN, (suite) => {
      if (suite.file && suite.parent && suite.parent.root) opened.set(suite, Date.now());
    });
    runner.on(EVENT_SUITE_END, (suite) => {
      const at = opened.get(suite);
      if (at === undefined) return;
      const file = relative(process.cwd(), suite.file);
      live.set(file, (live.get(file) ?? 0) + Date.now() - at);
    });
    runner.once(EVENT_RUN_END, () => {
      const times = fromWorkers() ?? live;
      const rows = [...times].sort((a, b) => b[1] - a[1]);
      if (rows.length > 0) {
        process.stdout.write(`\nslowest test files (wall time, hooks included; ${rows.length} files):\n`);
        for (const [file, ms] of rows.slice(0, SHOWN)) process.stdout.write(`${seconds(ms).padStart(8)}  ${file}\n`);
        if (rows.length > SHOWN) process.stdout.write(`${seconds(rows.slice(SHOWN).reduce((sum, [, ms]) => sum + ms, 0)).padStart(8)}  the other ${rows.length - SHOWN} files\n`);
      }
      const { passes, failures, pending } = runner.stats;
      process.stdout.write(`\nmocha: ${passes} passed, ${failures} failed, ${pending} skipped in ${minutes(Date.now() - started)}\n`);
    });
  }
}

function fromWorkers() {
  const dir = process.env.MS_TEST_RUN_DIR;
  if (!dir) return undefined;
  let text;
  try {
    text = readFileSync(join(dir, FILE_TIMES), "utf8");
  } catch {
    return undefined;
  }
  const times = new Map();
  for (const line of text.split("\n").filter(Boolean)) {
    const { file, ms } = JSON.parse(line);
    times.set(file, (times.get(file) ?? 0) + ms);
  }
  return times.size > 0 ? times : undefined;
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

function minutes(ms) {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

module.exports = SpecWithSummary;
