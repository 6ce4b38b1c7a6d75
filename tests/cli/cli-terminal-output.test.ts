import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { Terminal } from "@xterm/headless";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import { MAX_JITTER_MS } from "../../provider/schedule/due";
import { ecsInputs } from "../support/ecs-fixtures";
import { REPO } from "../support/run-script";
import { createLogger } from "../../provider/core/log";
import { chooseLogFormat, humanLogLine } from "../../provider/cli/log-format";

/**
 * `managed-secrets run` as a person sees it in a real pseudo-terminal
 * (util-linux `script`), replayed through a real terminal emulator
 * (@xterm/headless), and as a log collector sees it through pipes: on the
 * terminal every log line starts at column 0 of a cleared row and the
 * progress bar is redrawn below it; elsewhere stderr is JSON lines; the
 * summary table is the same; no credential is printed either way.
 */

const HOUR_MS = 3_600_000;
const USERS = ["alice", "bob", "carol", "dave"] as const;
const COLS = 250;
const TSX_CLI = require.resolve("tsx/cli");
const HUMAN_LINE = /\d\d:\d\d:\d\d (?:info |warn |error) /g;
/** A pino line, or a rotation event from --events json. */
const JSON_LINE = /\{"(?:level|type)":/g;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function runProcess(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(file, [...args], { cwd: REPO, env, timeout: 120_000, maxBuffer: 16 << 20 }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof (e as { code?: unknown }).code === "number" ? (e as { code: number }).code : -1) : 0, stdout, stderr }),
    );
  });
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The CLI with a pseudo-terminal as its stdin, stdout and stderr: what `script` records is what a terminal would be sent. */
function runInTerminal(cliArgs: readonly string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  const cli = [process.execPath, TSX_CLI, "provider/cli/main.ts", ...cliArgs].map(shellQuote).join(" ");
  return runProcess("script", ["-qefc", `stty cols ${COLS} rows 60; exec ${cli}`, "/dev/null"], env);
}

function writeTo(term: Terminal, data: string): Promise<void> {
  return new Promise((resolve) => term.write(data, resolve));
}

function screenLines(term: Terminal): string[] {
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let y = 0; y < buffer.length; y++) lines.push(buffer.getLine(y)?.translateToString(true) ?? "");
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * Replays the recording up to each log line's first byte and looks where the
 * cursor is: column 0 of an empty row, or the line was written into the bar.
 * Returns the final screen and, per log line, whether a bar followed it.
 */
async function replay(raw: string, logStart: RegExp): Promise<{ screen: string[]; logLines: number; barAfterEach: boolean[]; misplaced: string[] }> {
  const term = new Terminal({ cols: COLS, rows: 60, scrollback: 1000, allowProposedApi: true });
  const starts = [...raw.matchAll(logStart)].map((m) => m.index);
  const misplaced: string[] = [];
  let fed = 0;
  for (const at of starts) {
    await writeTo(term, raw.slice(fed, at));
    fed = at;
    const buffer = term.buffer.active;
    const row = buffer.getLine(buffer.baseY + buffer.cursorY)?.translateToString(true) ?? "";
    if (buffer.cursorX !== 0 || row !== "") misplaced.push(`at column ${buffer.cursorX} of ${JSON.stringify(row)}: ${raw.slice(at, raw.indexOf("\n", at))}`);
  }
  await writeTo(term, raw.slice(fed));
  const barAfterEach = starts.map((at, i) => raw.slice(at, starts[i + 1] ?? raw.length).includes("rotating ["));
  const screen = screenLines(term);
  term.dispose();
  return { screen, logLines: starts.length, barAfterEach, misplaced };
}

/** The summary table and its closing line, without what differs between two runs (version, duration, times). */
function summaryTable(lines: readonly string[]): string[] {
  const start = lines.findIndex((l) => l.startsWith("NAME "));
  assert.ok(start >= 0, `a summary table in:\n${lines.join("\n")}`);
  const header = lines[start]!;
  const cut = (l: string) => `${l.slice(0, header.indexOf("VERSION"))}${l.slice(header.indexOf("REASON"))}`;
  return [...lines.slice(start, start + 1 + USERS.length).map(cut), lines[start + 1 + USERS.length]!].map((l) => l.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "<time>"));
}

describe("managed-secrets run: log lines and the progress bar (a real pseudo-terminal, real sshd)", function () {
  this.timeout(240_000);
  let host: StartedSshHost;
  let t: TestStore;
  let names: string[];
  let credentials: string[];
  let at: number;

  before(async function () {
    requireRootForHosts();
    host = await startSshHost({ users: USERS.map((name) => ({ name, password: `${name[0]!.toUpperCase()}${name.slice(1)}-Initial-1` })) });
    t = await createTestStore();
    names = [];
    for (const user of USERS) {
      names.push((await ecs.create(ecsInputs(host, { managedUser: user, initialValue: host.users[user]!, secretName: `tty/${user}`, rotationPeriod: "6h" }), t.context())).id);
    }
    // dave's password changes behind the store's back: his rotation fails on every run, a warn line each time.
    await host.exec("chpasswd", { stdin: "dave:Changed-Out-Of-Band-7\n" });
    credentials = [...Object.values(host.users).filter((p): p is string => p !== null), "Changed-Out-Of-Band-7", t.passphrase];
    at = t.clock().getTime();
  });
  after(async () => {
    await t?.[Symbol.asyncDispose]();
    await host?.stop();
  });

  const env = () => {
    const e: NodeJS.ProcessEnv = { ...t.env(), NODE_OPTIONS: "", TERM: "xterm-256color" };
    delete e.MANAGED_SECRETS_LOG_FORMAT;
    return e;
  };
  /** Each run acts a period and the jitter later than the last, so the same secrets are due again. */
  const nextAt = () => new Date((at += 6 * HOUR_MS + MAX_JITTER_MS + 60_000)).toISOString();
  const currentValues = async () => Promise.all(names.map(async (n) => (await t.store.getValue(n)).value));
  const assertNoCredential = async (text: string) => {
    for (const secret of [...credentials, ...(await currentValues()).map((v) => JSON.parse(v).Password as string)]) {
      assert.ok(!text.includes(secret), "a credential was printed");
    }
  };

  let terminalTable: string[];

  it("on a terminal: short human lines, each at column 0 of a cleared row, the bar redrawn below each, and cleared at the end", async () => {
    const r = await runInTerminal(["run", "--at", nextAt()], env());
    assert.equal(r.code, 1, `dave's rotation fails, so the run exits 1:\n${r.stdout}`);
    assert.ok(r.stdout.includes("rotating ["), "a progress bar was drawn");
    const { screen, logLines, barAfterEach, misplaced } = await replay(r.stdout, HUMAN_LINE);
    assert.deepEqual(misplaced, [], "a log line was written into the progress bar's row");
    assert.equal(logLines, USERS.length, r.stdout);
    assert.deepEqual(barAfterEach, USERS.map(() => true), "the bar is redrawn after every log line while it runs");
    assert.deepEqual(screen.filter((l) => l.includes("rotating [")), [], "the bar is cleared when the run ends");
    const logs = screen.filter((l) => /^\d\d:\d\d:\d\d /.test(l));
    for (const user of ["alice", "bob", "carol"]) {
      assert.equal(logs.filter((l) => new RegExp(`^\\d\\d:\\d\\d:\\d\\d info  tty/${user}: rotated \\(.+\\) \\(versionId=v2 attempts=1 durationMs=\\d+\\)$`).test(l)).length, 1, screen.join("\n"));
    }
    assert.equal(logs.filter((l) => /^\d\d:\d\d:\d\d warn {2}tty\/dave: AuthenticationFailed: .*\(code=AuthenticationFailed attempts=1\)$/.test(l)).length, 1, screen.join("\n"));
    terminalTable = summaryTable(screen);
    assert.match(terminalTable.at(-1)!, /^3 rotated, 0 would rotate, 0 skipped, 1 failed/);
    await assertNoCredential(r.stdout);
  });

  it("through pipes: stderr is JSON lines only, and the summary table on stdout is the terminal's", async () => {
    const r = await runProcess(process.execPath, [TSX_CLI, "provider/cli/main.ts", "run", "--at", nextAt()], env());
    assert.equal(r.code, 1, r.stderr);
    const entries = r.stderr.trimEnd().split("\n").map((line) => JSON.parse(line) as { level: number; time: number; msg: string; secret: string; event: string });
    assert.deepEqual(entries.map((e) => `${e.secret} ${e.event}`).sort(), ["tty/alice rotated", "tty/bob rotated", "tty/carol rotated", "tty/dave failed"]);
    assert.ok(entries.every((e) => typeof e.level === "number" && typeof e.time === "number" && e.msg.length > 0));
    assert.ok(!(r.stdout + r.stderr).includes("\x1b"), "no terminal control sequences off a terminal");
    assert.deepEqual(summaryTable(r.stdout.split("\n")), terminalTable);
    await assertNoCredential(r.stdout + r.stderr);
  });

  it("on a terminal with --log-format json and --events json: JSON log lines on stderr and events on stdout, each on a cleared row above the bar", async () => {
    const r = await runInTerminal(["--log-format", "json", "run", "--events", "json", "--at", nextAt()], env());
    assert.equal(r.code, 1, r.stdout);
    const { screen, logLines, misplaced } = await replay(r.stdout, JSON_LINE);
    assert.deepEqual(misplaced, []);
    assert.equal(logLines, 2 * USERS.length, r.stdout);
    const lines = [...r.stdout.matchAll(/\{"(?:level|type)":.*?(?=\r\n)/g)].map((m) => JSON.parse(m[0]) as { level?: number; event?: string; type?: string; outcome?: string });
    assert.deepEqual(lines.filter((l) => l.level !== undefined).map((l) => l.event).sort(), ["failed", "rotated", "rotated", "rotated"]);
    assert.equal(lines.filter((l) => l.type !== undefined).length, USERS.length, "one event per attempt");
    assert.deepEqual(summaryTable(screen), terminalTable);
    await assertNoCredential(r.stdout);
  });

  it("rotate --select on a terminal: the same bar and human lines", async () => {
    const r = await runInTerminal(["rotate", "--select", "name:tty/"], env());
    assert.equal(r.code, 1, r.stdout);
    assert.ok(r.stdout.includes("rotating ["), "a progress bar was drawn");
    const { screen, logLines, misplaced } = await replay(r.stdout, HUMAN_LINE);
    assert.deepEqual(misplaced, []);
    assert.equal(logLines, USERS.length, r.stdout);
    assert.equal(screen.filter((l) => /^\d\d:\d\d:\d\d info {2}tty\/\w+: rotated \(rotate now\)/.test(l)).length, 3, screen.join("\n"));
    await assertNoCredential(r.stdout);
  });

  it("a MANAGED_SECRETS_LOG_FORMAT it does not know is a usage error naming it, before anything runs", async () => {
    const before = await currentValues();
    const bad = await runProcess(process.execPath, [TSX_CLI, "provider/cli/main.ts", "run", "--at", nextAt()], { ...env(), MANAGED_SECRETS_LOG_FORMAT: "pretty" });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /^managed-secrets: InvalidInput: MANAGED_SECRETS_LOG_FORMAT must be json or human, not "pretty"\n/);
    assert.deepEqual(await currentValues(), before, "nothing rotated");
  });
});

describe("the log format", () => {
  it("is --log-format, else MANAGED_SECRETS_LOG_FORMAT, else human on a terminal and json elsewhere", () => {
    assert.equal(chooseLogFormat(undefined, {}, true), "human");
    assert.equal(chooseLogFormat(undefined, {}, false), "json");
    assert.equal(chooseLogFormat(undefined, {}, undefined), "json");
    assert.equal(chooseLogFormat(undefined, { MANAGED_SECRETS_LOG_FORMAT: "json" }, true), "json");
    assert.equal(chooseLogFormat(undefined, { MANAGED_SECRETS_LOG_FORMAT: "human" }, false), "human");
    assert.equal(chooseLogFormat("json", { MANAGED_SECRETS_LOG_FORMAT: "human" }, true), "json");
  });


  it("human lines are made from pino's output, after its redaction: a credential under a usual name never reaches the terminal", () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (chunk: string) => lines.push(humanLogLine(chunk)) } });
    logger.warn({ secret: "web/root", password: "Leaked-Pass-1", connection: { privateKey: "Leaked-Key-2" }, attempts: 2 }, "failed");
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d warn {2}web\/root: failed \(password=\[redacted\] connection=\{"privateKey":"\[redacted\]"\} attempts=2\)$/);
    assert.ok(!lines[0]!.includes("Leaked"));
  });
});
