import type { StartedSshHost } from "../../testkit/sshd/ssh-host";
import { tryLogin } from "../../testkit/ssh-client/ssh-client";

/** EcsSecret inputs for a test host, as a Pulumi program would pass them. */
export function ecsInputs(host: StartedSshHost, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    instanceId: `i-test${host.port}`,
    managedUser: "root",
    credentialType: "password",
    initialValue: host.rootPassword,
    connection: { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint },
    ...overrides,
  };
}

export function loginWith(host: StartedSshHost, username: string, secret: { password: string } | { privateKey: string }): Promise<boolean> {
  return tryLogin({ host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint, username, ...secret });
}
