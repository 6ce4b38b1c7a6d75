import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Clock, EmulatorClock } from "./core/clock";
import { CONTROL_PREFIX, handleControl } from "./control/control-http";
import { EmulatorControl, type KmsInstanceInput } from "./control/control";
import { interruptStaleInvocations } from "./products/ecs/invocation-runs";
import { ScriptRunner } from "./ecs-hosts/script-runner";
import { FaultRegistry } from "./router/faults";
import { RequestQuotas, type RateClock } from "./router/request-quotas";
import type { KmsQpsLimits } from "./products/kms/kms-quotas";
import { interruptStaleRotations, rotateDue, settleRotations } from "./products/kms/kms-rotation-engine";
import { Router } from "./router/router";
import { EmulatorState } from "./state/emulator-state";

export const DEFAULT_REGION_ID = "cn-hangzhou";
/** The emulator listens on loopback only: it holds credentials and runs scripts as root. */
const LISTEN_HOST = "127.0.0.1";
/**
 * RPC parameters travel in the URL, and Cloud Assistant scripts or KMS secret
 * values can be tens of KB there; Node's 16 KB default would refuse calls the
 * real gateway accepts.
 */
const MAX_HEADER_BYTES = 256 * 1024;
/**
 * Idle keep-alive, as Alibaba's gateways keep it (tens of seconds): with
 * Node's 5 s default the emulator closed sockets the SDK's agent was about to
 * reuse, and callers saw ECONNRESET the real service would not send.
 */
const KEEP_ALIVE_TIMEOUT_MS = 60_000;
/** How often the emulator looks for KMS rotations that came due on the business clock. */
const ROTATION_CHECK_MS = 1000;

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  regionId?: string;
  /** Business time (deletion windows, dates in responses). Default: the system clock. */
  clock?: Clock;
  /** Persist the sandbox here (JSON, mode 0600) and reload it on the next start. */
  stateFile?: string;
  /** Receives one line per call (no secrets). Default: silent. */
  log?: (line: string) => void;
  /** Act as a KMS 3.0 account with these KMS instances: CreateSecret must name one (control.addKmsInstance adds more). */
  kmsInstances?: readonly KmsInstanceInput[];
  /**
   * Enforce KMS's per-account QPS quotas: "documented" for KMS's own figures,
   * or some groups set lower (the rest stay documented). Default: off, so
   * suites that set up thousands of secrets are not slowed to 10 creates a
   * second. control.setKmsQps changes it while running.
   */
  kmsQps?: "documented" | Partial<KmsQpsLimits>;
  /** Monotonic milliseconds the QPS window is counted in. Default: performance.now. */
  rateClock?: RateClock;
}

export interface EmulatorHandle extends AsyncDisposable {
  /** `127.0.0.1:PORT`, the form the SDK's Config.endpoint takes (with protocol "http"). */
  readonly endpoint: string;
  readonly port: number;
  readonly regionId: string;
  readonly accountId: string;
  /** The account's own (admin) AccessKey. */
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly control: EmulatorControl;
  stop(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LISTEN_HOST, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const baseClock = options.clock ?? (() => new Date());
  const state = EmulatorState.open({
    stateFile: options.stateFile,
    regionId: options.regionId ?? DEFAULT_REGION_ID,
    now: baseClock(),
  });
  const regionId = options.regionId ?? state.data.regionId;
  const clock = new EmulatorClock(baseClock, state.data.clockOffsetMs);
  interruptStaleInvocations(state.data.invocations, clock.now());
  const scripts = new ScriptRunner();
  const faults = new FaultRegistry();
  const log = options.log ?? (() => undefined);
  const quotas = new RequestQuotas(options.rateClock ?? (() => performance.now()));
  const router = new Router({ state, clock, scripts, faults, quotas, regionId, log });
  const rotationEnv = { state, clock: () => clock.now(), scripts, regionId };
  interruptStaleRotations(rotationEnv);
  const rotations = { due: () => rotateDue(rotationEnv), settled: () => settleRotations(state) };
  const control = new EmulatorControl(state, clock, faults, regionId, quotas, rotations);
  // KMS rotates on its own schedule, with or without calls: the timer starts what the business clock made due.
  const rotationTimer = setInterval(rotations.due, ROTATION_CHECK_MS);
  rotationTimer.unref();
  if (options.kmsQps !== undefined) control.setKmsQps(options.kmsQps === "documented" ? {} : options.kmsQps);
  for (const instance of options.kmsInstances ?? []) control.addKmsInstance(instance);

  const admin = state.data.accessKeys[state.data.adminAccessKeyId];
  const health = () => ({
    endpoint: `${LISTEN_HOST}:${port}`,
    regionId,
    accountId: state.data.accountId,
    now: clock.now().toISOString(),
  });
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    const handled = (req.url ?? "").startsWith(CONTROL_PREFIX)
      ? handleControl(control, health, req, res)
      : router.handle(req, res);
    handled.catch(() => res.destroy());
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 5_000;
  const port = await listen(server, options.port ?? 0);

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= new Promise<void>((resolve) => {
      clearInterval(rotationTimer);
      scripts.stopAll();
      server.close(() => {
        state.flush();
        resolve();
      });
      server.closeAllConnections();
    }));

  return {
    endpoint: `${LISTEN_HOST}:${port}`,
    port,
    regionId,
    accountId: state.data.accountId,
    accessKeyId: admin?.accessKeyId ?? "",
    accessKeySecret: admin?.accessKeySecret ?? "",
    control,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
