import type { IncomingMessage, ServerResponse } from "node:http";
import { isApiError } from "../gateway/api-error";
import { readBody } from "../gateway/read-call";
import { sendJson } from "../router/respond";
import type { EmulatorControl } from "./control";

/** Everything under this prefix is the control surface, never an Alibaba API path. */
export const CONTROL_PREFIX = "/__emulator";

type Body = Record<string, unknown>;
type Route = (control: EmulatorControl, body: Body, match: RegExpExecArray) => unknown;

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

const ROUTES: Array<[method: string, path: RegExp, route: Route]> = [
  ["POST", /^\/users$/, (c, b) => c.createUser({ name: str(b.name) ?? "", admin: b.admin === true, displayName: str(b.displayName) })],
  ["POST", /^\/access-keys$/, (c, b) => c.createAccessKey(str(b.userName))],
  ["POST", /^\/policies$/, (c, b) => c.createPolicy({ name: str(b.name) ?? "", document: (b.document ?? "") as string, description: str(b.description) })],
  ["POST", /^\/roles$/, (c, b) => c.createRole({ name: str(b.name) ?? "", trustPolicy: b.trustPolicy as string | undefined, maxSessionDuration: num(b.maxSessionDuration) })],
  ["POST", /^\/roles\/([^/]+)\/policies$/, (c, b, m) => c.attachPolicyToRole(decodeURIComponent(m[1] ?? ""), str(b.policyName) ?? "")],
  ["POST", /^\/users\/([^/]+)\/policies$/, (c, b, m) => c.attachPolicyToUser(decodeURIComponent(m[1] ?? ""), str(b.policyName) ?? "")],
  ["POST", /^\/instances$/, (c, b) => c.registerInstance(b as never)],
  [
    "POST",
    /^\/instances\/([^/]+)\/status$/,
    (c, b, m) => c.setInstanceStatus(decodeURIComponent(m[1] ?? ""), str(b.status) as never),
  ],
  ["POST", /^\/kms\/keys$/, (c, b) => c.createKmsKey({ keySpec: str(b.keySpec), keyUsage: str(b.keyUsage), description: str(b.description), dkmsInstanceId: str(b.dkmsInstanceId) })],
  ["POST", /^\/kms\/instances$/, (c, b) => c.addKmsInstance({ instanceId: str(b.instanceId) ?? "", keyIds: b.keyIds as never, secretQuota: num(b.secretQuota) })],
  ["GET", /^\/cms\/custom-events$/, (c) => ({ events: c.customEvents() })],
  ["GET", /^\/cms\/system-events$/, (c) => ({ events: c.systemEvents() })],
  ["GET", /^\/cms\/notifications$/, (c) => ({ notifications: c.notifications() })],
  ["POST", /^\/ram\/service-linked-roles$/, (c, b) => c.createServiceLinkedRole(str(b.serviceName) ?? "")],
  ["POST", /^\/ram\/kms-ram-credentials-role$/, (c, b) => c.createKmsRamCredentialsRole(str(b.roleName) as never)],
  ["POST", /^\/instances\/([^/]+)\/windows-login$/, (c, b, m) => ({ ok: c.windowsLogin(decodeURIComponent(m[1] ?? ""), str(b.user) ?? "", str(b.password) ?? "") })],
  ["POST", /^\/kms\/ram-rotation-window$/, (c, b) => c.setRamRotationWindow(num(b.ms) ?? Number.NaN)],
  ["POST", /^\/kms\/billed-secrets$/, (c, b) => ({ days: c.billedSecretsPerDay(str(b.from) ?? "", str(b.to) ?? undefined) })],
  ["GET", /^\/clock$/, (c) => ({ now: c.now().toISOString() })],
  ["POST", /^\/clock\/advance$/, (c, b) => ({ now: c.advanceClock(num(b.ms) ?? Number.NaN).toISOString() })],
  ["POST", /^\/clock\/set$/, (c, b) => ({ now: c.setTime(str(b.time) ?? "").toISOString() })],
  ["POST", /^\/faults$/, (c, b) => c.injectFault(b as never)],
  ["POST", /^\/faults\/throttle$/, (c, b) => c.throttle(str(b.action) ?? "", num(b.count) ?? 1)],
  ["POST", /^\/faults\/latency$/, (c, b) => c.latency(str(b.action) ?? "", num(b.ms) ?? Number.NaN)],
  [
    "POST",
    /^\/faults\/drop$/,
    (c, b) => c.dropConnection(str(b.action) ?? "", num(b.nth) ?? 1, b.phase === "after" ? "after" : "before"),
  ],
  ["DELETE", /^\/faults$/, (c) => c.clearFaults()],
];

/** JSON over HTTP for scripts and demos; the handle's `control` methods are the same operations. */
export async function handleControl(
  control: EmulatorControl,
  health: () => unknown,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = new URL(req.url ?? "/", "http://emulator.invalid").pathname.slice(CONTROL_PREFIX.length);
  try {
    if (req.method === "GET" && (path === "" || path === "/" || path === "/health")) return sendJson(res, 200, health());
    for (const [method, pattern, route] of ROUTES) {
      const match = pattern.exec(path);
      if (!match || method !== req.method) continue;
      const raw = (await readBody(req)).toString("utf8");
      const body = raw ? (JSON.parse(raw) as Body) : {};
      return sendJson(res, 200, route(control, body, match) ?? { ok: true });
    }
    sendJson(res, 404, { error: `no control route ${req.method} ${CONTROL_PREFIX}${path}` });
  } catch (e) {
    if (isApiError(e)) return sendJson(res, e.httpStatus, { Code: e.code, Message: e.message });
    sendJson(res, 400, { error: e instanceof Error ? e.message : String(e) });
  }
}
