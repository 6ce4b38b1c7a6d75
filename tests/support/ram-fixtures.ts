import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import type { CloudSettings } from "../../provider/alicloud/cloud-settings";
import type { RuntimeContext } from "../../provider/context/runtime-context";
import type { RamHandlerHooks } from "../../provider/resources/ram-secret/ram-secret-handler";
import type { StoreBackend, TestStore } from "../../testkit/store/test-store";
import { storePerTest } from "./suite-hooks";
import * as $Ram from "@alicloud/ram20150501";
import { ramClient, stsClient, type Credentials } from "../../testkit/emulator/sdk-clients";

/**
 * RAM secrets meet the cloud only through the emulator, with the real SDK
 * clients and real ACS3 signing. The emulator's call log (one line per API
 * call: product, action, status, code, key id; never a secret) is how tests
 * count what a step cost.
 */

export interface RamEmulator {
  readonly emu: EmulatorHandle;
  /** Admin settings, as ctx.cloud() would resolve them from stack config. */
  readonly settings: CloudSettings;
  /** Every logged call since start, e.g. "Ram.CreateAccessKey 200 key=LTAI...". */
  readonly log: readonly string[];
  /** Calls per "Product.Action" since `mark` (an index into log). */
  countSince(mark: number): Record<string, number>;
  stop(): Promise<void>;
}

export async function startRamEmulator(clock?: () => Date): Promise<RamEmulator> {
  const log: string[] = [];
  const emu = await startEmulator({ log: (line) => log.push(line), ...(clock ? { clock } : {}) });
  return {
    emu,
    settings: { regionId: emu.regionId, endpoint: emu.endpoint, protocol: "http", accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret },
    log,
    countSince(mark) {
      const counts: Record<string, number> = {};
      for (const line of log.slice(mark)) {
        const m = /^(\w+\.\w+) /.exec(line) ?? /^(\w+) connection dropped/.exec(line);
        if (m) counts[m[1]!] = (counts[m[1]!] ?? 0) + 1;
      }
      return counts;
    },
    stop: () => emu.stop(),
  };
}

/** A provider context on the test store that reaches the emulator as the stack's admin. */
export function ramContext(t: TestStore, ram: RamEmulator, owner = "test"): RuntimeContext {
  return { ...t.context(owner), cloud: () => ram.settings };
}

let users = 0;

/** A fresh RAM user with one AccessKey: the pair a program would adopt. */
export function userWithKey(ram: RamEmulator, prefix = "app"): { userName: string; key: Credentials } {
  const userName = `${prefix}-${++users}-${process.pid}`;
  ram.emu.control.createUser({ name: userName });
  return { userName, key: ram.emu.control.createAccessKey(userName) };
}

export function ramInputs(userName: string, key: Credentials, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { userName, initialAccessKeyId: key.accessKeyId, initialAccessKeySecret: key.accessKeySecret, ...overrides };
}

/** What a call signed with the pair gets, through the real STS client (not the product's). */
export async function signsAs(ram: RamEmulator, pair: Credentials): Promise<string> {
  try {
    const body = (await stsClient(ram.emu, pair).getCallerIdentity()).body;
    return body?.arn ?? "";
  } catch (e) {
    return `rejected:${(e as { code?: string }).code}`;
  }
}

export function pairOf(storedValue: string): Credentials {
  const v = JSON.parse(storedValue) as { AccessKeyId: string; AccessKeySecret: string };
  return { accessKeyId: v.AccessKeyId, accessKeySecret: v.AccessKeySecret };
}

/** The user's keys as RAM lists them (ids and statuses), through the real RAM client. */
export async function keysOf(ram: RamEmulator, userName: string): Promise<Array<{ id: string; status: string }>> {
  const res = await ramClient(ram.emu).listAccessKeys(new $Ram.ListAccessKeysRequest({ userName }));
  return (res.body?.accessKeys?.accessKey ?? []).map((k) => ({ id: k.accessKeyId ?? "", status: k.status ?? "" }));
}

/** Hooks that record the propagation backoff instead of waiting it out. */
export function recordingSleep(): RamHandlerHooks & { slept: number[] } {
  const slept: number[] = [];
  return { slept, sleep: async (ms: number) => void slept.push(ms) };
}

export function assertNoSecret(text: string, ...secrets: string[]): void {
  for (const s of secrets) assert.ok(!text.includes(s), `a secret leaked into: ${text.slice(0, 200)}`);
}

export function arnOf(ram: RamEmulator, userName: string): string {
  return `acs:ram::${ram.emu.accountId}:user/${userName}`;
}

/** One emulator for the describe, stopped after its last test; faults a test injected are cleared after it. */
export function ramEmulatorPerSuite(set: (cloud: RamEmulator) => void): void {
  let cloud: RamEmulator | undefined;
  before(async () => {
    cloud = await startRamEmulator();
    set(cloud);
  });
  after(async () => cloud?.stop());
  afterEach(() => cloud?.emu.control.clearFaults());
}

/**
 * A suite's hooks: one emulator for the suite, a fresh store of `backend` per
 * test, injected faults cleared after each. Call inside a describe; read the
 * fields inside tests.
 */
export function useRamSuite(backend: StoreBackend): { readonly cloud: RamEmulator; readonly t: TestStore } {
  const state = {} as { cloud: RamEmulator; t: TestStore };
  ramEmulatorPerSuite((cloud) => (state.cloud = cloud));
  storePerTest((t) => (state.t = t), backend);
  return state;
}
