import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import Ecs, * as $Ecs from "@alicloud/ecs20140526";
import OpenApi, { $OpenApiUtil, AlibabaCloudError, OpenApiUtil } from "@alicloud/openapi-core";
import { RuntimeOptions } from "@alicloud/tea-util";
import type { EmulatorHandle } from "../../emulator";
import { rpcPostParams } from "../../provider/alicloud/rpc-params";
import { sdkConfig, type Credentials } from "../../testkit/emulator/sdk-clients";

/** KMS exactly as the product calls it: openapi-core's generic callApi, RPC style, POST /, params in the query. */
export async function kmsCall(
  emu: EmulatorHandle,
  action: string,
  query: Record<string, string | number | boolean>,
  options: { creds?: Credentials; version?: string; readTimeout?: number } = {},
): Promise<Record<string, unknown>> {
  const client = new OpenApi(sdkConfig(emu, options.creds, options.readTimeout ? { readTimeout: options.readTimeout } : {}));
  const params = rpcPostParams(action, options.version ?? "2016-01-20");
  const request = new $OpenApiUtil.OpenApiRequest({ query: OpenApiUtil.query(query) });
  const response = await client.callApi(params, request, new RuntimeOptions({}));
  return response.body as Record<string, unknown>;
}

export interface ExpectedApiError {
  code: string;
  statusCode: number;
  /** Matched against the service's own Message (err.data.Message). */
  message?: string | RegExp;
  type?: abstract new (...args: never[]) => AlibabaCloudError;
}

/** What the call was rejected with; fails the test when it succeeded. */
async function rejectionOf(promise: Promise<unknown>, expectedCode: string): Promise<unknown> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught, `expected ${expectedCode}, but the call succeeded`);
  return caught;
}

/** Asserts the SDK raised the service error we expect, and returns it for further checks. */
export async function expectApiError(promise: Promise<unknown>, expected: ExpectedApiError): Promise<AlibabaCloudError> {
  const err = (await rejectionOf(promise, expected.code)) as AlibabaCloudError & { data?: Record<string, unknown> };
  assert.equal(err.code, expected.code, `code (message: ${err.message})`);
  assert.equal(err.statusCode, expected.statusCode, "statusCode");
  assert.equal(err.data?.statusCode ?? err.statusCode, expected.statusCode);
  if (expected.type) assert.ok(err instanceof expected.type, `expected ${expected.type.name}, got ${err.name}`);
  const serviceMessage = String(err.data?.Message ?? "");
  if (typeof expected.message === "string") assert.equal(serviceMessage, expected.message);
  else if (expected.message) assert.match(serviceMessage, expected.message);
  assert.ok(err.message.includes(serviceMessage), "the SDK message carries the service message");
  return err;
}

type InvocationResult = $Ecs.DescribeInvocationResultsResponseBodyInvocationInvocationResultsInvocationResult;

/** Polls like a caller must: Cloud Assistant runs asynchronously. */
export async function waitForInvocation(
  ecs: Ecs,
  regionId: string,
  invokeId: string,
  deadlineMs = 20_000,
): Promise<InvocationResult> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const res = await ecs.describeInvocationResults(
      new $Ecs.DescribeInvocationResultsRequest({ regionId, invokeId }),
    );
    const result = res.body?.invocation?.invocationResults?.invocationResult?.[0];
    assert.ok(result, `no result for ${invokeId}`);
    if (result.invokeRecordStatus !== "Running") return result;
    if (Date.now() > until) assert.fail(`invocation ${invokeId} still running after ${deadlineMs} ms`);
    await delay(25);
  }
}

export interface NamespaceHost {
  nsPid: number;
  /** Reads a file as seen inside the host's mount namespace. */
  readInside(path: string): string | undefined;
  stop(): void;
}

/**
 * A stand-in ECS host: a process in its own mount namespace with a private
 * tmpfs on /mnt, so a script that changes /mnt there leaves the real /mnt
 * alone. Needs root; says so instead of silently passing.
 */
export async function startNamespaceHost(): Promise<NamespaceHost> {
  if (process.getuid?.() !== 0) {
    throw new Error("RunCommand tests need root: they create a mount namespace with unshare and enter it with nsenter");
  }
  const child = spawn(
    "unshare",
    ["--mount", "--propagation", "private", "sh", "-c", "mount -t tmpfs tmpfs /mnt && echo ready && exec sleep 3600"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start unshare");
  await new Promise<void>((resolve, reject) => {
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.stdout.on("data", (c: Buffer) => {
      if (c.toString().includes("ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`namespace host exited early (${code}): ${err}`)));
  });
  return {
    nsPid: pid,
    readInside(path) {
      const r = spawnSync("nsenter", ["--target", String(pid), "--mount", "--", "cat", path], { encoding: "utf8" });
      return r.status === 0 ? r.stdout : undefined;
    },
    stop() {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    },
  };
}

/** Asserts a call through the legacy rpc-client (@alicloud/kms20160120) failed with the service's Code, HTTP status and Message. */
export async function expectRpcError(promise: Promise<unknown>, expected: { code: string; statusCode: number; message?: string | RegExp }): Promise<void> {
  const err = (await rejectionOf(promise, expected.code)) as { message?: string; data?: { Code?: string; Message?: string } };
  assert.equal(err.data?.Code, expected.code, `code (message: ${err.message})`);
  assert.equal(Number(/code: (\d+)/.exec(err.message ?? "")?.[1]), expected.statusCode, "statusCode");
  const message = String(err.data?.Message ?? "");
  if (typeof expected.message === "string") assert.equal(message, expected.message);
  else if (expected.message) assert.match(message, expected.message);
}
