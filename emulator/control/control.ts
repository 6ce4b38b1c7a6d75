import { type EmulatorClock, isoSeconds } from "../core/clock";
import { createAccessKey, createUser } from "../products/ram/ram";
import { attachPolicy, createPolicy, createRole, detachPolicy } from "../products/ram/ram-policies";
import { DEFAULT_SESSION_SECONDS, issueSession, MIN_SESSION_SECONDS, ROLE_SESSION_NAME, trustsService } from "../products/sts/sts";
import type { DropPhase, FaultRegistry, FaultSpec } from "../router/faults";
import type { RequestQuotas } from "../router/request-quotas";
import { checkKmsQpsLimits, kmsQpsGroup, type KmsQpsLimits } from "../products/kms/kms-quotas";
import { createKmsKey, type CreateKeyInput } from "../products/kms/kms-keys";
import type { EmulatorState } from "../state/emulator-state";
import type { CustomEventRecord, InstanceRecord, InstanceStatus, InvocationRecord, NotificationRecord, SystemEventRecord } from "../state/state-types";
import { createKmsRamCredentialsRole, createServiceLinkedRole, KMS_RAM_CREDENTIALS_ROLES } from "../products/ram/ram-service-roles";
import { RAM_IMMEDIATE_WINDOW_MS } from "../products/kms/kms-rotate-ram";
import { billedSecretsPerDay, type BilledDay } from "../products/kms/kms-billing";

export interface CreateUserInput {
  name: string;
  /** Admin users may call every action; others what their attached policies allow. */
  admin?: boolean;
  displayName?: string;
}

export interface RegisterInstanceInput {
  instanceId: string;
  regionId?: string;
  zoneId?: string;
  privateIp: string;
  publicIp?: string;
  /** A process in the test host's mount namespace; RunCommand runs scripts there. Not for Windows instances, which are simulated. */
  nsPid?: number;
  status?: InstanceStatus;
  osType?: "linux" | "windows";
  hostName?: string;
  instanceName?: string;
  keyPairName?: string;
  /** Windows only (SIMULATED): the instance's local accounts, user -> password. */
  windowsAccounts?: Record<string, string>;
}

/**
 * What the emulator's KMS rotations need from whoever runs the emulator:
 * starting the due ones after the clock moved, and waiting for those running.
 */
export interface RotationHooks {
  due(): void;
  settled(): Promise<void>;
}

export interface KmsInstanceInput {
  /** kst- followed by lowercase letters and digits, as KMS prints instance ids. */
  instanceId: string;
  /** The instance's symmetric keys (key-...), usable as CreateSecret's EncryptionKeyId. */
  keyIds?: string[];
  /** How many secrets the instance was bought for (GetKmsInstanceQuotaInfos); default DEFAULT_INSTANCE_SECRET_QUOTA. */
  secretQuota?: number;
}

const KMS_INSTANCE_ID = /^kst-[a-z0-9]+$/;
const KMS_KEY_ID = /^key-[a-z0-9]+$/;

const validAccounts = (a: unknown): a is Record<string, string> =>
  a !== null && typeof a === "object" && !Array.isArray(a) && Object.entries(a).every(([u, p]) => u !== "" && typeof p === "string" && p !== "");

const STATUSES: readonly InstanceStatus[] = ["Running", "Stopped", "Starting", "Stopping", "Pending"];

/**
 * The test/demo control surface, outside the Alibaba API. The same methods
 * back the `/__emulator/...` HTTP routes. Nothing here returns a secret
 * except createAccessKey, which must.
 */
export class EmulatorControl {
  constructor(
    private readonly state: EmulatorState,
    private readonly clock: EmulatorClock,
    private readonly faults: FaultRegistry,
    private readonly defaultRegionId: string,
    private readonly quotas?: RequestQuotas,
    private readonly rotations?: RotationHooks,
  ) {}

  /**
   * Enforce KMS's per-account QPS quotas from now on: the documented figures,
   * with the groups given here replaced (a low limit lets a test meet
   * throttling with a few calls). undefined switches them off.
   */
  setKmsQps(limits: Partial<KmsQpsLimits> | undefined): void {
    if (!this.quotas) throw new Error("this emulator was started without request quotas");
    this.quotas.set("Kms", limits === undefined ? undefined : { groupOf: kmsQpsGroup, limits: checkKmsQpsLimits(limits) });
  }

  createUser(input: CreateUserInput): { userName: string; userId: string; admin: boolean } {
    const user = createUser(
      this.state,
      { userName: input.name, displayName: input.displayName, admin: input.admin },
      this.clock.now(),
    );
    return { userName: user.userName, userId: user.userId, admin: user.admin };
  }

  /** A key for a RAM user, or for the account itself when userName is omitted. Same 2-key limit as the API. */
  createAccessKey(userName?: string): { accessKeyId: string; accessKeySecret: string } {
    if (userName !== undefined && !this.state.data.users[userName]) {
      throw new RangeError(`no RAM user named ${userName}`);
    }
    const owner = userName === undefined ? ({ kind: "root" } as const) : ({ kind: "user", userName } as const);
    const key = createAccessKey(this.state, owner, this.clock.now());
    return { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret };
  }

  /** A custom policy, validated as CreatePolicy validates it. */
  createPolicy(input: { name: string; document: string | object; description?: string }): { policyName: string } {
    const policyDocument = typeof input.document === "string" ? input.document : JSON.stringify(input.document);
    const p = createPolicy(this.state, { policyName: input.name, policyDocument, description: input.description }, this.clock.now());
    return { policyName: p.policyName };
  }

  /** A role; the trust policy defaults to the account itself. */
  createRole(input: { name: string; trustPolicy?: string | object; maxSessionDuration?: number }): { roleName: string; arn: string; roleId: string } {
    const trust = input.trustPolicy ?? {
      Version: "1",
      Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { RAM: [`acs:ram::${this.state.data.accountId}:root`] } }],
    };
    const role = createRole(
      this.state,
      { roleName: input.name, assumeRolePolicyDocument: typeof trust === "string" ? trust : JSON.stringify(trust), maxSessionDuration: input.maxSessionDuration },
      this.clock.now(),
    );
    return { roleName: role.roleName, arn: role.arn, roleId: role.roleId };
  }

  attachPolicyToRole(roleName: string, policyName: string): void {
    if (!this.state.data.policies?.[policyName]) throw new RangeError(`no custom policy named ${policyName}`);
    attachPolicy(this.state, { role: roleName }, policyName);
  }

  detachPolicyFromRole(roleName: string, policyName: string): void {
    detachPolicy(this.state, { role: roleName }, policyName);
  }

  attachPolicyToUser(userName: string, policyName: string): void {
    if (!this.state.data.policies?.[policyName]) throw new RangeError(`no custom policy named ${policyName}`);
    attachPolicy(this.state, { user: userName }, policyName);
  }

  /**
   * Temporary credentials of a role, as a cloud service it trusts receives
   * them (Function Compute passes them to the handler in its context). The
   * only control method besides createAccessKey that returns a secret.
   */
  serviceRoleCredentials(input: { roleName: string; service?: string; sessionName?: string; durationSeconds?: number }): {
    accessKeyId: string;
    accessKeySecret: string;
    securityToken: string;
    expiration: string;
  } {
    const role = this.state.data.roles?.[input.roleName];
    if (!role) throw new RangeError(`no role named ${input.roleName}`);
    const service = input.service ?? "fc.aliyuncs.com";
    if (!trustsService(role, service)) throw new RangeError(`role ${input.roleName} does not trust ${service}`);
    const sessionName = input.sessionName ?? "emulator-service";
    if (!ROLE_SESSION_NAME.test(sessionName)) throw new RangeError("sessionName must be 2-64 letters, digits or . @ - _");
    const duration = input.durationSeconds ?? DEFAULT_SESSION_SECONDS;
    if (!Number.isInteger(duration) || duration < MIN_SESSION_SECONDS || duration > role.maxSessionDuration) {
      throw new RangeError(`durationSeconds must be ${MIN_SESSION_SECONDS}..${role.maxSessionDuration}`);
    }
    const s = issueSession(this.state, role, sessionName, duration, this.clock.now());
    return { accessKeyId: s.accessKeyId, accessKeySecret: s.accessKeySecret, securityToken: s.securityToken, expiration: s.expiration };
  }

  registerInstance(input: RegisterInstanceInput): { instanceId: string; regionId: string } {
    if (!/^[A-Za-z0-9-]+$/.test(input.instanceId ?? "")) throw new RangeError("instanceId must be like i-xxxxxxxx");
    if (this.state.data.instances[input.instanceId]) throw new RangeError(`instance ${input.instanceId} exists`);
    const osType = input.osType ?? "linux";
    if (osType !== "linux" && osType !== "windows") throw new RangeError("osType must be linux or windows");
    // A Windows instance is simulated state: it has no host, so no namespace to enter.
    const nsPid = osType === "windows" ? (input.nsPid ?? 0) : input.nsPid;
    if (osType === "linux" && (!Number.isInteger(nsPid) || (nsPid ?? 0) <= 0)) throw new RangeError("nsPid must be a process id");
    if (input.windowsAccounts !== undefined && (osType !== "windows" || !validAccounts(input.windowsAccounts))) {
      throw new RangeError("windowsAccounts is for Windows instances: an object of user name -> password strings");
    }
    if (!input.privateIp) throw new RangeError("privateIp is required");
    const status = input.status ?? "Running";
    if (!STATUSES.includes(status)) throw new RangeError(`status must be one of ${STATUSES.join(", ")}`);
    const regionId = input.regionId ?? this.defaultRegionId;
    this.state.data.instances[input.instanceId] = {
      instanceId: input.instanceId,
      regionId,
      zoneId: input.zoneId ?? `${regionId}-a`,
      instanceName: input.instanceName ?? input.instanceId,
      hostName: input.hostName ?? input.instanceId,
      privateIp: input.privateIp,
      publicIp: input.publicIp,
      nsPid: nsPid ?? 0,
      status,
      osType,
      keyPairName: input.keyPairName,
      ...(osType === "windows" ? { windowsAccounts: { ...(input.windowsAccounts ?? {}) } } : {}),
      creationTime: isoSeconds(this.clock.now()),
    };
    this.state.changed();
    return { instanceId: input.instanceId, regionId };
  }

  /**
   * Adds a KMS instance (or more keys to one). From then on the account acts
   * like a KMS 3.0 account: CreateSecret without DKMSInstanceId is refused.
   */
  addKmsInstance(input: KmsInstanceInput): { instanceId: string; keyIds: string[] } {
    if (!KMS_INSTANCE_ID.test(input.instanceId ?? "")) throw new RangeError("instanceId must be like kst-hzz65f176a0ogplgq1234");
    const keyIds = input.keyIds ?? [];
    if (!Array.isArray(keyIds) || !keyIds.every((k) => typeof k === "string" && KMS_KEY_ID.test(k))) {
      throw new RangeError("keyIds must be key ids like key-gzz63ff0db5hg3qje1234");
    }
    const instances = (this.state.data.kmsInstances ??= {});
    if (input.secretQuota !== undefined && (!Number.isInteger(input.secretQuota) || input.secretQuota < 0)) {
      throw new RangeError("secretQuota must be a whole number of secrets");
    }
    const instance = (instances[input.instanceId] ??= { instanceId: input.instanceId, keyIds: [] });
    for (const k of keyIds) if (!instance.keyIds.includes(k)) instance.keyIds.push(k);
    if (input.secretQuota !== undefined) instance.secretQuota = input.secretQuota;
    this.state.changed();
    return { instanceId: instance.instanceId, keyIds: [...instance.keyIds] };
  }

  /**
   * A KMS key as CreateKey makes it, owned by the account (e.g. the EC_P256
   * SIGN/VERIFY key a sandbox's kms store signs its target bindings with).
   * Its private material never leaves the emulator.
   */
  createKmsKey(input: CreateKeyInput = {}): { keyId: string; keySpec: string; keyUsage: string; keyVersionId: string } {
    const key = createKmsKey(this.state, input, this.state.data.accountId, this.clock.now());
    return { keyId: key.keyId, keySpec: key.keySpec, keyUsage: key.keyUsage, keyVersionId: key.versions.at(-1)!.keyVersionId };
  }

  setInstanceStatus(instanceId: string, status: InstanceStatus): void {
    const instance = this.state.data.instances[instanceId];
    if (!instance) throw new RangeError(`no instance ${instanceId}`);
    if (!STATUSES.includes(status)) throw new RangeError(`status must be one of ${STATUSES.join(", ")}`);
    instance.status = status;
    this.state.changed();
  }

  /** Cloud Assistant Agent online (true) or not installed / not heartbeating (false). */
  setCloudAssistantOnline(instanceId: string, online: boolean): void {
    const instance = this.state.data.instances[instanceId];
    if (!instance) throw new RangeError(`no instance ${instanceId}`);
    instance.cloudAssistantOnline = online;
    this.state.changed();
  }

  /**
   * SIMULATED Windows: sets an account's password in the instance's table,
   * as its administrator would on the machine.
   */
  setWindowsPassword(instanceId: string, user: string, password: string): void {
    const instance = this.windowsInstance(instanceId);
    if (!validAccounts({ [user]: password })) throw new RangeError("user and password must be non-empty strings");
    (instance.windowsAccounts ??= {})[user] = password;
    this.state.changed();
  }

  /** SIMULATED Windows "login": whether this password is the account's, per the instance's table. */
  windowsLogin(instanceId: string, user: string, password: string): boolean {
    const accounts = this.windowsInstance(instanceId).windowsAccounts ?? {};
    return Object.hasOwn(accounts, user) && accounts[user] === password;
  }

  private windowsInstance(instanceId: string): InstanceRecord {
    const instance = this.state.data.instances[instanceId];
    if (!instance || instance.osType !== "windows") throw new RangeError(`no Windows instance ${instanceId}`);
    return instance;
  }

  /** A service-linked role of a service the emulator knows (secretsmanager-ecs.kms.aliyuncs.com, for KMS's ECS secrets). */
  createServiceLinkedRole(serviceName: string): { roleName: string; arn: string } {
    const role = createServiceLinkedRole(this.state, serviceName, this.clock.now());
    return { roleName: role.roleName, arn: role.arn };
  }

  /** KMS's RAM-credentials role, under either name the docs give (default the newer AliyunKMSManageRAMCredentialsRole). */
  createKmsRamCredentialsRole(roleName: (typeof KMS_RAM_CREDENTIALS_ROLES)[number] = KMS_RAM_CREDENTIALS_ROLES[0]): { roleName: string; arn: string } {
    if (!KMS_RAM_CREDENTIALS_ROLES.includes(roleName)) throw new RangeError(`roleName must be one of ${KMS_RAM_CREDENTIALS_ROLES.join(", ")}`);
    const role = createKmsRamCredentialsRole(this.state, roleName, this.clock.now());
    return { roleName: role.roleName, arn: role.arn };
  }

  /** The window of an immediate RAM secret rotation (the console's Rotation Window): 10 minutes to 2 days. */
  setRamRotationWindow(ms: number): void {
    if (!Number.isInteger(ms) || ms < RAM_IMMEDIATE_WINDOW_MS.min || ms > RAM_IMMEDIATE_WINDOW_MS.max) {
      throw new RangeError(`the RAM rotation window is ${RAM_IMMEDIATE_WINDOW_MS.min} to ${RAM_IMMEDIATE_WINDOW_MS.max} ms (10 minutes to 2 days)`);
    }
    this.state.data.ramRotationWindowMs = ms;
    this.state.changed();
  }

  /** Waits until every KMS rotation started so far has finished (or is waiting for its RAM window). */
  async settleRotations(): Promise<void> {
    await this.rotations?.settled();
  }

  /** Secrets KMS bills per day (China Standard Time days), from `from` to `to`, every type alike. */
  billedSecretsPerDay(from: Date | string, to: Date | string = this.clock.now()): BilledDay[] {
    const [start, end] = [new Date(from), new Date(to)];
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || start > end) throw new RangeError("from and to must be dates, from first");
    return billedSecretsPerDay(this.state, start, end, this.clock.now());
  }

  /** What CloudMonitor's PutCustomEvent received, oldest first. */
  customEvents(): CustomEventRecord[] {
    return structuredClone(this.state.data.customEvents ?? []);
  }

  /** The CloudMonitor system events emulated services raised (KMS rotations), oldest first. */
  systemEvents(): SystemEventRecord[] {
    return structuredClone(this.state.data.systemEvents ?? []);
  }

  /** What CloudMonitor's alert rules sent to contact groups, oldest first. */
  notifications(): NotificationRecord[] {
    return structuredClone(this.state.data.notifications ?? []);
  }

  /** Every Cloud Assistant invocation the service keeps (content, parameters, output), as stored: for tests that scan them. */
  invocationRecords(): InvocationRecord[] {
    return structuredClone(Object.values(this.state.data.invocations));
  }

  now(): Date {
    return this.clock.now();
  }

  advanceClock(ms: number): Date {
    const now = this.clock.advance(ms);
    this.persistClock();
    this.rotations?.due();
    return now;
  }

  setTime(time: Date | string): Date {
    const now = this.clock.set(new Date(time));
    this.persistClock();
    this.rotations?.due();
    return now;
  }

  injectFault(spec: FaultSpec): void {
    this.faults.inject(spec);
  }

  /** The next `count` calls to `action` get the product's own throttling error. */
  throttle(action: string, count: number): void {
    this.faults.throttle(action, count);
  }

  /** Every call to `action` waits `ms` before it is handled; 0 removes the delay. */
  latency(action: string, ms: number): void {
    this.faults.latency(action, ms);
  }

  /**
   * The `nth` call to `action` loses its connection: "before" it reaches the
   * product, or "after" the product acted (the caller never sees the answer).
   */
  dropConnection(action: string, nth = 1, phase: DropPhase = "before"): void {
    this.faults.drop(action, nth, phase);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  private persistClock(): void {
    this.state.data.clockOffsetMs = this.clock.offset;
    this.state.changed();
  }
}
