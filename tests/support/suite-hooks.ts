/**
 * The mocha hooks suites on real parts open with, registered in one call so a
 * suite says what it needs and every one disposes the same way. Each hands the
 * started part to a setter, so the suite's tests keep their own variables.
 */
import { startSshHost, requireRootForHosts, type SshHostOptions, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import { createTestStore, type StoreBackend, type TestStore } from "../../testkit/store/test-store";

/** One sshd host for the whole describe (root needed), stopped after its last test. */
export function sshHostPerSuite(set: (host: StartedSshHost) => void, options?: SshHostOptions): void {
  let host: StartedSshHost | undefined;
  before(async function () {
    requireRootForHosts();
    host = await startSshHost(options);
    set(host);
  });
  after(async () => host?.stop());
}

/** A fresh store (local unless told) for each test, disposed after it. */
export function storePerTest(set: (t: TestStore) => void, backend?: StoreBackend): void {
  let t: TestStore;
  beforeEach(async () => {
    t = await createTestStore(backend ? { backend } : {});
    set(t);
  });
  afterEach(async () => t[Symbol.asyncDispose]());
}
