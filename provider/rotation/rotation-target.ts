/**
 * What the rotation protocol needs from the thing that accepts a credential
 * (an ECS instance over SSH, a RAM user). Values are the stored strings; the
 * target decodes them. Every method must be safe to call again after a crash.
 *
 * `Prepared` and `Tested` are the target's own sessions: the protocol hands
 * apply what this target's prepareApply returned, and retire what its test
 * returned, so a target reads its own fields without asking what it was given.
 */
export interface RotationTarget<Prepared extends PreparedApply = PreparedApply, Tested extends TestedSession = TestedSession> {
  /**
   * Optional: what must hold before anything is stored or sent (e.g. that the
   * target read from the store is authentic). Rotation asks before createPending.
   */
  ready?(): Promise<void>;
  /** A fresh login/call with this value, nothing changed: does the target accept it? */
  accepts(value: string): Promise<boolean>;
  /**
   * Optional: whether `accepts` can tell at all. A Windows password KMS
   * rotates cannot be tried from outside the instance: its health rests on
   * KMS's own record. Absent: it can.
   */
  canProbe?(): Promise<boolean>;
  /**
   * Make the target accept `pending` (called only when it does not yet).
   * `current` is what the store holds as ACSCurrent; it may itself be rejected,
   * in which case the target falls back to its admin path or says it cannot.
   */
  apply(current: string, pending: string, versionId: string, prepared?: Prepared): Promise<void>;
  /**
   * Optional: start what apply will need (a login with the current credential)
   * so it overlaps generating the new value. Changes nothing on the target.
   * The caller closes what it returns.
   */
  prepareApply?(current: string): Promise<Prepared>;
  /**
   * The test step: a fresh login/call with `value`, never a session that applied it.
   * Resolves to the open session that proved it (retire may reuse it, the caller
   * closes it), or undefined when the target rejects the value.
   */
  test(value: string): Promise<Tested | undefined>;
  /**
   * After finish: revoke the older values this secret put in place; never touch `current`.
   * `older` reads them from the store on demand: a target with nothing to revoke
   * (a password, a RAM key kept as KMS keeps it) never pays for the reads.
   */
  retire(current: string, versionId: string, older: () => Promise<readonly string[]>, tested?: Tested): Promise<void>;
  /** A fresh value to rotate to when no custom value is given. */
  generate(): Promise<string>;
  /**
   * Optional: metadata the finish step writes along with the new schedule,
   * read once the stages have moved (`current` is the new ACSCurrent value,
   * `at` the time the rotation records as its own: `run --at` moves it).
   * One write with finish, so no crash can come between the new value
   * becoming current and what must follow it being recorded (a retirement
   * put off by a grace period).
   */
  finishMetadata?(current: string, at: Date): Promise<Readonly<Record<string, string | null>>>;
  /**
   * Optional: carry out the retirements recorded as pending that are due at
   * `now` (see schedule/pending-retirements.ts). The runner calls it under the
   * secret's lease; safe to call again after a crash.
   */
  retireDue?(now: Date): Promise<readonly RetirementDone[]>;
}

/** One pending retirement settled: carried out (or found already done), or dropped without touching anything. */
export interface RetirementDone {
  readonly id: string;
  readonly result: "deactivated" | "deleted" | "dropped";
  readonly reason: string;
}

/** A session opened ahead of apply. */
export interface PreparedApply {
  close(): void;
}

/** Proof that the target accepted a value, held open so retire need not log in again. */
export interface TestedSession {
  close(): void;
}
