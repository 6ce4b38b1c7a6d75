/**
 * What the two resources keep in Pulumi state, as plain types with no import:
 * the SDK's public typings re-export them, so a user's compiler never loads the
 * provider's schemas (zod) or the cloud SDKs to read them.
 */

/** The health verdict a resource reports after create, update or refresh. */
export interface SecretHealthSummary {
  readonly healthy: boolean;
  /** e.g. rejected, overdue, interrupted, failing. */
  readonly problems: readonly string[];
}

export type AccessKeyState = "Active" | "Inactive" | "NotFound";

/** What EcsSecret keeps in Pulumi state. `value` and `customValue` are listed as secret outputs. */
export interface EcsSecretOutputs {
  readonly secretName: string;
  readonly instanceId: string;
  readonly managedUser: string;
  readonly credentialType: "password" | "keyPair";
  readonly connection: {
    /** Absent for SSH (state written before transports existed has none). */
    readonly transport?: "cloudAssistant";
    readonly region?: string;
    readonly host?: string;
    readonly port?: number;
    readonly hostKeyFingerprint?: string;
    readonly adminUser?: string;
    /** Where the bastion is; its credential is never an output. */
    readonly bastion?: { readonly host: string; readonly port: number; readonly hostKeyFingerprint: string; readonly user: string };
  };
  readonly keyAlgorithm: string;
  readonly description: string;
  readonly rotationPeriod?: string;
  readonly rotationTrigger?: string | number;
  readonly customValue?: string;
  readonly recoveryWindowDays: number;
  readonly forceDeleteWithoutRecovery: boolean;
  /** Who rotates it: absent in state written before engines existed, which is "product". */
  readonly rotatedBy?: "product" | "kms";
  /** Store facts, refreshed by read. */
  readonly versionId: string;
  readonly value: string;
  readonly publicKey?: string;
  readonly automaticRotation: boolean;
  readonly rotationPeriodSeconds?: number;
  readonly lastRotatedAt: string;
  readonly nextRotationAt?: string;
  readonly plannedDeleteAt?: string;
  /**
   * Set by `pulumi import` (the state came from the store, not from a
   * program) until the next update records the program's declaration: an
   * import cannot know the rotationTrigger, customValue or admin connection a
   * program declares, so that update adopts them as a create onto the stored
   * secret does, rotating nothing the stored secret already satisfies.
   */
  readonly imported?: boolean;
  /** From the last create/update/refresh: the shared health model (see provider/health). */
  readonly health?: SecretHealthSummary;
}

/** What RamSecret keeps in Pulumi state. `accessKeySecret` is listed as a secret output. */
export interface RamSecretOutputs {
  readonly secretName: string;
  readonly userName: string;
  /** The pair the secret adopted at creation (an id, not secret). */
  readonly initialAccessKeyId: string;
  readonly previousKeyAction: "keep" | "deactivate" | "delete";
  /** As declared, e.g. "1h": how long the previous key keeps working before previousKeyAction. */
  readonly previousKeyGracePeriod?: string;
  readonly description: string;
  readonly rotationPeriod?: string;
  readonly rotationTrigger?: string | number;
  readonly recoveryWindowDays: number;
  readonly forceDeleteWithoutRecovery: boolean;
  /** As EcsSecret's. */
  readonly rotatedBy?: "product" | "kms";
  /** Store facts, refreshed by read. */
  readonly versionId: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly automaticRotation: boolean;
  readonly rotationPeriodSeconds?: number;
  readonly lastRotatedAt: string;
  readonly nextRotationAt?: string;
  readonly plannedDeleteAt?: string;
  /** Cloud facts, refreshed by read. */
  readonly accessKeyStatus: AccessKeyState;
  readonly accessKeyLastUsedAt?: string;
  /** As EcsSecret's: set by `pulumi import` until the next update records the program's declaration. */
  readonly imported?: boolean;
  /** From the last create/update/refresh: the shared health model (see provider/health), as EcsSecret reports it. */
  readonly health?: SecretHealthSummary;
}
