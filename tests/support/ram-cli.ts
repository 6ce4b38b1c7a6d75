import { Writable } from "node:stream";
import { runCli } from "../../provider/cli/program";
import { createLogger } from "../../provider/core/log";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import { ramContext, startRamEmulator, type RamEmulator } from "./ram-fixtures";

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export interface RamCli {
  readonly emu: RamEmulator;
  readonly t: TestStore;
  cli(args: string[], stdin?: string): Promise<CliResult>;
}

/**
 * The CLI in-process on a fresh test store per test, reaching the RAM
 * emulator as the admin: RAM secrets are the cheapest real rotations. Call
 * inside a describe; it registers the hooks.
 */
export function useRamCli(): RamCli {
  const state = {} as { emu: RamEmulator; t: TestStore };
  before(async () => {
    state.emu = await startRamEmulator();
  });
  after(async () => state.emu?.stop());
  beforeEach(async () => {
    state.t = await createTestStore();
  });
  afterEach(async () => state.t[Symbol.asyncDispose]());
  const quiet = createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  return {
    get emu() {
      return state.emu;
    },
    get t() {
      return state.t;
    },
    async cli(args, stdin) {
      let out = "";
      let err = "";
      const io = {
        out: { write: (s: string) => void (out += s) },
        err: { write: (s: string) => void (err += s) },
        context: () => ramContext(state.t, state.emu, "cli"),
        runner: { logger: quiet },
        ...(stdin !== undefined ? { stdin: async () => stdin } : {}),
      };
      const code = await runCli(args, io);
      return { code, out, err };
    },
  };
}
