/**
 * The one error type the product throws on purpose. Every failure a user can
 * act on carries a code from this documented set, so the CLI, the runner and
 * tests branch on the code, never on message text. Codes name what the user
 * must do, whichever backend failed (a throttling KMS and a throttling RAM
 * are both CloudUnavailable); README.md's table of codes is checked against
 * this one (tests/package/error-codes-doc.test.ts).
 *
 * Messages never contain a credential: they name properties, secrets, hosts
 * and key ids, and nothing else a caller passed in.
 */
export const ERROR_CODES = {
  /** An input failed validation; `property` names it. Nothing was contacted. */
  InvalidInput: "the input is malformed or out of range",
  /** The secret name does not exist in the store (or its window has passed). */
  SecretNotFound: "no such secret",
  /** A secret with this name already exists (or is pending deletion for another target). */
  SecretExists: "a secret with this name already exists",
  /** The secret is scheduled for deletion; restore it first. */
  SecretPendingDeletion: "the secret is scheduled for deletion",
  /** The store file cannot be opened with the passphrase, or is damaged. */
  StoreUnreadable: "the store cannot be read",
  /**
   * The local store could not write a change (disk full, I/O error). Nothing
   * of the change was stored: the file keeps its last good state.
   */
  StoreWriteFailed: "the store could not be written",
  /** The store is misconfigured (no passphrase, unknown backend, a KMS instance or key that does not exist). */
  StoreConfig: "the store is not configured",
  /**
   * Another process held the store's file lock for longer than the retry
   * budget, or the lock was lost mid-write. Transient: nothing was written.
   */
  StoreBusy: "the store is locked by another process",
  /**
   * The store refused a change that would break one of its own rules (a KMS
   * put that would roll out a staged version). Nothing was written; the
   * message says what to do instead.
   */
  StoreRejected: "the store refused a change that would break its rules",
  /**
   * The local store file is older than a commit this process or this machine
   * has already seen (an older copy was put back, or the file was deleted),
   * or no longer holds it. Nothing was read from it or written to it; the
   * message says how to take the file as it is on purpose.
   */
  StoreRolledBack: "the store file is older than what was already seen",
  /** Another rotator holds the lease for this secret. */
  LeaseHeld: "another rotation of this secret is in progress",
  /**
   * Where a secret's credential would be sent (its target metadata) is not
   * authenticated as hard as its value: its KMS tags were changed outside the
   * product, or were written before targets were authenticated. Nothing was sent.
   */
  TargetUnverified: "the secret's recorded target is not authenticated",
  /** The host presented a host key other than the pinned one. */
  HostKeyMismatch: "the host key does not match the pinned fingerprint",
  /** The target refused a credential we needed to act (current and admin both). */
  AuthenticationFailed: "the target rejected the credential",
  /**
   * The host, or an Alibaba Cloud API, could not be reached (refused, timed
   * out, reset) within the retry budget. Transient: check the network, or try
   * again later; a cloud call whose answer was lost may have taken effect.
   */
  Unreachable: "the target or the cloud API could not be reached",
  /** A command on the target failed. */
  TargetCommandFailed: "a command on the target failed",
  /** The new credential did not authenticate in the test step. */
  RotationTestFailed: "the new credential did not pass its test",
  /** The requested version or stage does not exist. */
  VersionNotFound: "no such version or stage",
  /** The target the secret names does not exist: a RAM user or AccessKey, an ECS instance (never created, or deleted out of band). */
  TargetNotFound: "the target (RAM user, AccessKey, ECS instance) does not exist",
  /**
   * The RAM user already has the most AccessKeys RAM allows, and a key this
   * secret does not hold takes a slot. The message names that key's id (ids
   * are not secret); the secret never deletes it on its own.
   */
  AccessKeyLimit: "the RAM user has no free AccessKey slot this secret may use",
  /**
   * An Alibaba Cloud API (KMS, RAM, STS, ECS, CloudMonitor) throttled the call
   * or failed on its side (HTTP 5xx) within the retry budget. Transient: try
   * again later; nothing was changed by the refused call. The message carries
   * the service's code and request id.
   */
  CloudUnavailable: "the cloud API is throttling or failing: try again later",
  /**
   * An Alibaba Cloud API refused the call for a reason no other code covers:
   * a permission the caller's RAM policy lacks, a quota, a parameter. Not
   * transient: fix the request or the permissions. The message carries the
   * service's code and request id.
   */
  CloudRejected: "the cloud API refused the call",
  /**
   * The Alibaba Cloud settings are missing or wrong: no region, no
   * credentials, or credentials the cloud does not accept (unknown AccessKey,
   * wrong secret, expired token). Fix the configuration; the message names
   * the settings.
   */
  CloudConfig: "the Alibaba Cloud settings are missing or wrong",
  /** An optional package the feature needs is not installed; the message says what to install. */
  MissingDependency: "an optional package is not installed",
  /** The CLI was given a command line it does not accept (unknown command or option, missing argument). */
  UsageError: "the command line is not valid",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes worth retrying with backoff: the next attempt may succeed unchanged. */
export const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["Unreachable", "LeaseHeld", "StoreBusy", "CloudUnavailable"]);

export class ManagedSecretsError extends Error {
  override readonly name = "ManagedSecretsError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { property?: string; secretName?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  get transient(): boolean {
    return TRANSIENT_CODES.has(this.code);
  }
}

export function isManagedSecretsError(e: unknown, code?: ErrorCode): e is ManagedSecretsError {
  return e instanceof ManagedSecretsError && (code === undefined || e.code === code);
}

/** A message safe to print for any thrown value: ours verbatim, others by class and text. */
export function describeError(e: unknown): string {
  if (e instanceof ManagedSecretsError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * The one wording for a missing secret, whichever store or step finds it
 * missing, so scripts and people see the same sentence; `why` adds what is
 * known about it (e.g. when its recovery window passed).
 */
export function secretNotFound(name: string, why = "", details: { cause?: unknown } = {}): ManagedSecretsError {
  return new ManagedSecretsError("SecretNotFound", `secret "${name}" does not exist${why}`, { ...details, secretName: name });
}

/** Advice names the command an operator can paste, not an API method. */
export function restoreAdvice(name: string): string {
  return `restore it with: managed-secrets restore ${name}`;
}

/**
 * The one wording for a secret in its recovery window, whichever store or
 * step finds it so; `advice` says what to do (restoreAdvice, mostly).
 */
export function secretPendingDeletion(name: string, plannedDeleteAt: string | undefined, advice: string): ManagedSecretsError {
  const when = plannedDeleteAt ? ` at ${plannedDeleteAt}` : "";
  return new ManagedSecretsError("SecretPendingDeletion", `secret "${name}" is scheduled for deletion${when}; ${advice}`, { secretName: name });
}
