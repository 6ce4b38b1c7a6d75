import { createHmac } from "node:crypto";
import { request } from "node:https";
import type { Logger } from "pino";
import { ManagedSecretsError } from "../core/errors";
import { longSleep } from "../core/long-sleep";
import { EVENT_DEADLINES, type EventDeadlines } from "./event-deadlines";
import { pendingDeliveries, type EventSink } from "./event-sink";
import type { RotationEvent } from "./rotation-event";

/**
 * Rotation events POSTed to an HTTPS endpoint, one JSON event per request.
 * The receiver verifies `X-Managed-Secrets-Signature: t=<unix seconds>,v1=<hex>`
 * where hex = HMAC-SHA256(secret, "<t>.<body>"): the timestamp inside the
 * signed text lets it refuse replays. Failed deliveries are retried with
 * exponential back-off; a receiver that stays down, or answers too slowly
 * (event-deadlines.ts), loses the event (logged), never the rotation.
 */

export const SIGNATURE_HEADER = "x-managed-secrets-signature";
export const WEBHOOK_SECRET_MIN_LENGTH = 16;

export interface WebhookOptions {
  readonly url: URL;
  readonly secret: string;
  /** Extra CA certificates (PEM) to trust, e.g. a private CA. */
  readonly ca?: string;
  readonly attempts?: number;
  readonly baseDelayMs?: number;
  /** Each request's, each event's and the pass's deadlines (EVENT_DEADLINES by default). */
  readonly deadlines?: EventDeadlines;
  readonly logger?: Logger;
}

export const WEBHOOK_RETRY = { attempts: 4, baseDelayMs: 500 } as const;

/** Checks a webhook URL before anything runs; the error names the setting. */
export function parseWebhookUrl(text: string, property = "--webhook-url"): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ManagedSecretsError("InvalidInput", `${property} must be an https:// URL`, { property });
  }
  if (url.protocol !== "https:") throw new ManagedSecretsError("InvalidInput", `${property} must be an https:// URL (events are signed, not encrypted: plain http would show them to the network)`, { property });
  if (url.username || url.password) throw new ManagedSecretsError("InvalidInput", `${property} must not carry a user or password: the HMAC secret authenticates the sender`, { property });
  return url;
}

function signature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

type Delivery = { ok: true } | { ok: false; retry: boolean; why: string };

/**
 * One request, over when its status line is in or `attemptMs` has passed,
 * whichever comes first: an overall deadline, since a receiver that sends a
 * header line every few seconds would reset an idle timeout forever. The
 * body is never read, and the socket is closed either way, so nothing the
 * receiver does afterwards (trickling a body) keeps it open.
 */
function post(o: WebhookOptions, body: string, attemptMs: number, signal: AbortSignal): Promise<Delivery> {
  const timestamp = Math.floor(Date.now() / 1000);
  return new Promise((resolve) => {
    const req = request(
      o.url,
      {
        method: "POST",
        ...(o.ca ? { ca: o.ca } : {}),
        signal,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), [SIGNATURE_HEADER]: signature(o.secret, timestamp, body), "user-agent": "managed-secrets-events/1" },
      },
      (res) => {
        clearTimeout(timer);
        res.destroy();
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve({ ok: true });
        // 4xx other than timeout/too-many is the receiver saying no: sending it again will not change its mind.
        else resolve({ ok: false, retry: status >= 500 || status === 408 || status === 429, why: `HTTP ${status}` });
      },
    );
    const timer = setTimeout(() => req.destroy(Object.assign(new Error("timed out"), { code: `no answer within ${attemptMs} ms` })), attemptMs);
    // Only the error's code: a TLS or socket message may quote the peer.
    req.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, retry: !signal.aborted, why: e.code ?? "network error" });
    });
    req.end(body);
  });
}

export function webhookSink(o: WebhookOptions): EventSink {
  const attempts = o.attempts ?? WEBHOOK_RETRY.attempts;
  const baseDelayMs = o.baseDelayMs ?? WEBHOOK_RETRY.baseDelayMs;
  const deadlines = o.deadlines ?? EVENT_DEADLINES;
  const pending = pendingDeliveries(deadlines);
  const undelivered = (event: RotationEvent, tries: number, why: string) =>
    o.logger?.warn({ event: "webhook-undelivered", secret: event.secretName, host: o.url.host, attempts: tries, why }, "rotation event not delivered to the webhook");

  function emit(event: RotationEvent): void {
    const body = JSON.stringify(event);
    let tries = 0;
    pending.track(
      async (signal) => {
        for (;;) {
          tries++;
          const result = await post(o, body, deadlines.attemptMs, signal);
          // Cut off by a deadline: pendingDeliveries reports it.
          if (result.ok || signal.aborted) return;
          if (!result.retry || tries >= attempts) return undelivered(event, tries, result.why);
          await longSleep(baseDelayMs * 2 ** (tries - 1), signal);
          if (signal.aborted) return;
        }
      },
      (why) => undelivered(event, tries, `${why} passed (${why === "pass deadline" ? deadlines.passMs : deadlines.deliveryMs} ms)`),
    );
  }

  return { name: "webhook", emit, flush: () => pending.settle() };
}
