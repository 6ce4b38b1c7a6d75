import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { LocalSecretStore } from "../../provider/store/local-store";
import type { RuntimeContext } from "../../provider/runtime-context";
import { testClock, type TestClock } from "./test-clock";

/** A fresh encrypted local store in a temp dir, with the clock and context tests need. */
export interface TestStore extends AsyncDisposable {
  readonly store: LocalSecretStore;
  readonly path: string;
  readonly passphrase: string;
  readonly clock: TestClock;
  /** A provider context on this store, as the dynamic-provider host would build one. */
  context(owner?: string): RuntimeContext;
  /** Environment that points the CLI (or a child process) at this store. */
  env(): NodeJS.ProcessEnv;
}

export async function createTestStore(): Promise<TestStore> {
  const dir = await mkdtemp(join(tmpdir(), "ms-store-"));
  const path = join(dir, "store.enc");
  const passphrase = randomBytes(18).toString("base64");
  const clock = testClock();
  const store = new LocalSecretStore({ path, passphrase, clock: clock.now });
  const dispose = () => rm(dir, { recursive: true, force: true });
  return {
    store,
    path,
    passphrase,
    clock,
    context: (owner = "test") => ({
      store,
      clock: clock.now,
      owner,
      cloud: () => {
        throw new Error("this test gave its context no cloud settings");
      },
    }),
    env: () => ({ ...process.env, MANAGED_SECRETS_STORE: "local", MANAGED_SECRETS_LOCAL_PATH: path, MANAGED_SECRETS_PASSPHRASE: passphrase }),
    [Symbol.asyncDispose]: dispose,
  };
}
