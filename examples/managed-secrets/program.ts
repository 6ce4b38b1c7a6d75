import * as pulumi from "@pulumi/pulumi";
import { EcsSecret, RamSecret } from "alicloud-managed-secrets";

/**
 * ECS root passwords (and, where asked, root's SSH key pair) and one RAM
 * user's AccessKey as managed secrets. Everything that differs between stacks
 * comes from stack config: the rotation periods (dev rotates weekly, prod
 * monthly), the recovery window, the instances and the credentials that work
 * today (always set with `pulumi config set --secret`).
 *
 * Exported as a function so tests can run it under pulumi.runtime.setMocks.
 */

/** One entry of the `instances` config list. Credentials are not here: they are secret keys of their own. */
export interface InstanceConfig {
  /** Prefix of this instance's secret config keys and resource names, e.g. "web1". */
  readonly name: string;
  readonly instanceId: string;
  /** The address the provider (and the rotation runner) reaches over SSH. */
  readonly host: string;
  readonly port?: number;
  /** `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the instance: "SHA256:...". */
  readonly hostKeyFingerprint: string;
  /** Also manage root's SSH key pair; needs `<name>RootPrivateKey`. */
  readonly keyPair?: boolean;
}

export interface ManagedSecrets {
  readonly ecs: readonly EcsSecret[];
  readonly ram?: RamSecret;
  /** secret name -> current version and next scheduled rotation, for the stack outputs. */
  readonly summary: pulumi.Output<Record<string, { versionId: string; nextRotationAt?: string }>>;
}

export function managedSecrets(cfg: pulumi.Config = new pulumi.Config()): ManagedSecrets {
  const ecsRotationPeriod = cfg.require("ecsRotationPeriod");
  const ramRotationPeriod = cfg.require("ramRotationPeriod");
  const recoveryWindowDays = cfg.getNumber("recoveryWindowDays") ?? 30;
  // Set or change it (any value) and the next `pulumi up` rotates every secret here at once.
  const rotationTrigger = cfg.get("rotateNow");

  const ecs = cfg.requireObject<InstanceConfig[]>("instances").flatMap((instance) => {
    // A break-glass root key of the team's own (never stored by the provider): with it, a password
    // changed by hand or a deleted key line is repaired by the next `pulumi up --refresh`.
    const adminKey = cfg.getSecret(`${instance.name}AdminPrivateKey`);
    const common = {
      instanceId: instance.instanceId,
      managedUser: "root",
      connection: {
        host: instance.host,
        port: instance.port ?? 22,
        hostKeyFingerprint: instance.hostKeyFingerprint,
        ...(adminKey ? { admin: { user: "root", privateKey: adminKey } } : {}),
      },
      rotationPeriod: ecsRotationPeriod,
      rotationTrigger,
      recoveryWindowDays,
    };
    const password = new EcsSecret(`${instance.name}-root-password`, {
      ...common,
      credentialType: "password",
      initialValue: cfg.requireSecret(`${instance.name}RootPassword`),
    });
    if (!instance.keyPair) return [password];
    const keyPair = new EcsSecret(`${instance.name}-root-key`, {
      ...common,
      credentialType: "keyPair",
      // The default name (ecs/<instance>/<user>) is the password's: a second secret on the same user needs its own.
      secretName: `ecs/${instance.instanceId}/root-key`,
      initialValue: cfg.requireSecret(`${instance.name}RootPrivateKey`),
    });
    return [password, keyPair];
  });

  const userName = cfg.get("ramUserName");
  const ram = userName
    ? new RamSecret(`${userName}-access-key`, {
        userName,
        initialAccessKeyId: cfg.require("ramAccessKeyId"),
        initialAccessKeySecret: cfg.requireSecret("ramAccessKeySecret"),
        rotationPeriod: ramRotationPeriod,
        rotationTrigger,
        previousKeyAction: cfg.get<"keep" | "deactivate" | "delete">("ramPreviousKeyAction") ?? "keep",
        recoveryWindowDays,
      })
    : undefined;

  const all: Array<EcsSecret | RamSecret> = [...ecs, ...(ram ? [ram] : [])];
  const summary = pulumi
    .all(all.map((s) => pulumi.all([s.secretName, s.versionId, s.nextRotationAt])))
    .apply((rows) => Object.fromEntries(rows.map(([name, versionId, nextRotationAt]) => [name, { versionId, ...(nextRotationAt ? { nextRotationAt } : {}) }])));
  return { ecs, ram, summary };
}
