/**
 * The engine path without the engine: starts @pulumi/pulumi's own
 * dynamic-provider host (the process `pulumi up` runs for dynamic resources)
 * and drives it over gRPC with the generated clients, sending properties as
 * google.protobuf.Struct the way the engine does (secrets in plaintext, since
 * the host does not accept secrets).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, mkdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPO = resolve(__dirname, "..", "..");
const HOST_ENTRY = require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js");

/* eslint-disable @typescript-eslint/no-explicit-any -- the generated gRPC stubs are untyped JS */
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [HOST_ENTRY] }));
const providerRpc = require("@pulumi/pulumi/proto/provider_grpc_pb.js");
const providerProto = require("@pulumi/pulumi/proto/provider_pb.js");
const { Struct } = require(require.resolve("google-protobuf/google/protobuf/struct_pb.js", { paths: [HOST_ENTRY] }));

export type Props = Record<string, unknown>;

export interface StartedProviderHost extends AsyncDisposable {
  readonly pid: number;
  /** Everything the host wrote to stderr (its own error logging). */
  stderr(): string;
  configure(config: Record<string, string>): Promise<void>;
  check(urn: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: Array<{ property: string; reason: string }> }>;
  diff(urn: string, id: string, olds: Props, news: Props): Promise<{ changes: "none" | "some" | "unknown"; replaces: string[]; deleteBeforeReplace: boolean }>;
  create(urn: string, properties: Props): Promise<{ id: string; properties: Props }>;
  read(urn: string, id: string, properties: Props, inputs?: Props): Promise<{ id: string; properties: Props; inputs?: Props }>;
  update(urn: string, id: string, olds: Props, news: Props): Promise<{ properties: Props }>;
  delete(urn: string, id: string, properties: Props): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A throwaway Pulumi project directory whose node_modules holds this package
 * (a symlink to the repo, as `npm install` of a local path would), so the
 * host resolves `alicloud-managed-secrets/runtime` the way it does for users:
 * from the project directory, to the built dist/.
 */
export async function createProjectDir(): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "ms-project-"));
  await mkdir(join(dir, "node_modules"), { recursive: true });
  await symlink(REPO, join(dir, "node_modules", "alicloud-managed-secrets"), "dir");
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

export async function startProviderHost(options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<StartedProviderHost> {
  const env = { ...(options.env ?? process.env) };
  // The host must not inherit this test process's loaders: it runs the built package as users get it.
  delete env.NODE_OPTIONS;
  const child: ChildProcess = spawn(process.execPath, [HOST_ENTRY, "engine-address-unused"], {
    cwd: options.cwd,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolvePort, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^(\d+)\s*$/m.exec(out);
      if (m) resolvePort(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`dynamic-provider host exited (${code}) before listening: ${stderr}`)));
  });

  const client = new providerRpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = <T>(method: string, request: unknown): Promise<T> =>
    new Promise((res, rej) => client[method](request, (err: Error | null, resp: T) => (err ? rej(err) : res(resp))));
  const struct = (p: Props) => Struct.fromJavaScript(p);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    client.close();
    // The wrapper does not exec, so signal the whole group we created with detached: true.
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      return;
    }
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once("exit", r));
  };

  return {
    pid: child.pid!,
    stderr: () => stderr,
    async configure(config) {
      const req = new providerProto.ConfigureRequest();
      req.setArgs(struct(config));
      await call("configure", req);
    },
    async check(urn, olds, news) {
      const req = new providerProto.CheckRequest();
      req.setUrn(urn);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      const resp: any = await call("check", req);
      return {
        inputs: resp.getInputs()?.toJavaScript() ?? {},
        failures: resp.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },
    async diff(urn, id, olds, news) {
      const req = new providerProto.DiffRequest();
      req.setUrn(urn);
      req.setId(id);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      const resp: any = await call("diff", req);
      const C = providerProto.DiffResponse.DiffChanges;
      const changes = resp.getChanges() === C.DIFF_SOME ? "some" : resp.getChanges() === C.DIFF_NONE ? "none" : "unknown";
      return { changes, replaces: resp.getReplacesList(), deleteBeforeReplace: resp.getDeletebeforereplace() };
    },
    async create(urn, properties) {
      const req = new providerProto.CreateRequest();
      req.setUrn(urn);
      req.setProperties(struct(properties));
      const resp: any = await call("create", req);
      return { id: resp.getId(), properties: resp.getProperties().toJavaScript() };
    },
    async read(urn, id, properties, inputs) {
      const req = new providerProto.ReadRequest();
      req.setUrn(urn);
      req.setId(id);
      req.setProperties(struct(properties));
      if (inputs) req.setInputs(struct(inputs));
      const resp: any = await call("read", req);
      return { id: resp.getId(), properties: resp.getProperties()?.toJavaScript() ?? {}, inputs: resp.getInputs()?.toJavaScript() };
    },
    async update(urn, id, olds, news) {
      const req = new providerProto.UpdateRequest();
      req.setUrn(urn);
      req.setId(id);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      const resp: any = await call("update", req);
      return { properties: resp.getProperties().toJavaScript() };
    },
    async delete(urn, id, properties) {
      const req = new providerProto.DeleteRequest();
      req.setUrn(urn);
      req.setId(id);
      req.setProperties(struct(properties));
      await call("delete", req);
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
