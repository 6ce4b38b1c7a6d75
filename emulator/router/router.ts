import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import type { EmulatorClock } from "../core/clock";
import { newRequestId } from "../core/ids";
import type { ScriptRunner } from "../ecs-hosts/script-runner";
import { optional } from "../gateway/params";
import type { ActionContext, ProductSpec } from "../gateway/product";
import { productForVersion } from "../products/registry";
import type { EmulatorState } from "../state/emulator-state";
import { ApiError, isApiError } from "../gateway/api-error";
import { authenticate } from "../gateway/authenticate";
import { NonceCache } from "../gateway/request-freshness";
import { authorize } from "../gateway/authorize";
import type { FaultRegistry } from "./faults";
import { gatewayErrors } from "../gateway/gateway-errors";
import { readBody, toIncomingCall, type IncomingCall } from "../gateway/read-call";
import type { RequestQuotas } from "./request-quotas";
import { sendApiError, sendJson } from "./respond";

export interface RouterDeps {
  state: EmulatorState;
  clock: EmulatorClock;
  scripts: ScriptRunner;
  faults: FaultRegistry;
  /** Per-account request quotas (QPS), where a product's are switched on. */
  quotas?: RequestQuotas;
  regionId: string;
  /** One line per call; only action, status, code and key id, never a secret or a parameter value. */
  log: (line: string) => void;
  /** The host's real time, for request freshness; injectable for tests of expiry. */
  wallClock?: () => number;
}

function headerValue(call: IncomingCall, name: string): string | undefined {
  const v = call.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Layer 1 of the emulator: HTTP decoding, API resolution, faults,
 * authentication and authorization, then one product module per API.
 * The order follows the gateway: unknown version/action before identity,
 * identity before parameters.
 */
export class Router {
  private readonly nonces = new NonceCache();

  constructor(private readonly deps: RouterDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    let product: ProductSpec | undefined;
    let action = "?";
    let keyId = "-";
    try {
      const call = toIncomingCall(req, await readBody(req));
      if (call.method !== "POST" && call.method !== "GET") throw gatewayErrors.unsupportedMethod();
      action = headerValue(call, "x-acs-action") ?? optional(call.params, "Action") ?? "";
      const version = headerValue(call, "x-acs-version") ?? optional(call.params, "Version") ?? "";
      if (!action) throw gatewayErrors.missingParameter("Action");
      if (!version) throw gatewayErrors.missingParameter("Version");
      product = productForVersion(version);
      if (!product) throw gatewayErrors.invalidVersion();
      const spec = product.actions[action];
      if (!spec) throw gatewayErrors.actionNotFound();

      const decision = this.deps.faults.decide(action);
      if (decision.drop === "before") return this.drop(req, action);
      if (decision.delayMs > 0) await delay(decision.delayMs);
      if (decision.failure) throw decision.failure === "throttle" ? product.throttling() : decision.failure;

      const now = this.deps.clock.now();
      const wallClock = this.deps.wallClock ?? Date.now;
      const auth = authenticate(call, this.deps.state, this.nonces, wallClock(), now);
      keyId = auth.accessKeyId;
      if (this.deps.quotas && !this.deps.quotas.admit(product.code, action, auth.principal.accountId)) throw product.throttling();
      authorize(product, action, auth.principal, { params: call.params, state: this.deps.state, regionId: this.deps.regionId });

      const ctx: ActionContext = {
        action,
        params: call.params,
        principal: auth.principal,
        state: this.deps.state,
        now,
        clock: () => this.deps.clock.now(),
        regionId: this.deps.regionId,
        scripts: this.deps.scripts,
      };
      product.beforeAction?.(ctx);
      for (const name of spec.required ?? []) {
        if (optional(call.params, name) === undefined) throw gatewayErrors.missingParameter(name);
      }
      const result = await spec.handle(ctx);
      if (decision.drop === "after") return this.drop(req, action);
      sendJson(res, 200, { RequestId: requestId, ...result }, requestId);
      this.deps.log(`${product.code}.${action} 200 key=${keyId}`);
    } catch (e) {
      const error = isApiError(e) ? e : this.unexpected(e, action);
      sendApiError(res, error, {
        requestId,
        hostId: product?.hostId(this.deps.regionId) ?? "aliyuncs.com",
        productCode: product?.code ?? "",
      });
      this.deps.log(`${product?.code ?? "?"}.${action} ${error.httpStatus} ${error.code} key=${keyId}`);
    }
  }

  private drop(req: IncomingMessage, action: string): void {
    req.socket.destroy();
    this.deps.log(`${action} connection dropped (injected)`);
  }

  private unexpected(e: unknown, action: string): ApiError {
    // Only the class name: an exception's message could echo request data.
    this.deps.log(`${action} internal error (${e instanceof Error ? e.name : typeof e})`);
    return gatewayErrors.internalError();
  }
}
