/**
 * The plugin's gRPC server: Pulumi's ResourceProvider service over the protos
 * @pulumi/pulumi ships, written here because @pulumi/pulumi/provider's
 * Server.configure drops the configuration the engine sends. Methods not
 * listed (Invoke, Call, Construct, Handshake, ...) answer UNIMPLEMENTED, which
 * the engine takes as "not supported".
 */
import * as grpc from "@grpc/grpc-js";
import { describeError, ManagedSecretsError } from "../core/errors";
import { configure } from "../runtime";
import { PACKAGE_NAME, packageSchema } from "./package-schema";
import { configFailures, runtimeConfig, settingsFrom, withPluginKeys } from "./plugin-config";
import { decodeProperties, encodeProperties, type Plain } from "./property-values";
import * as calls from "./resource-calls";

/* eslint-disable @typescript-eslint/no-explicit-any -- the generated protobuf classes are untyped JavaScript */
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb") as any;
const provproto = require("@pulumi/pulumi/proto/provider_pb") as any;
const plugproto = require("@pulumi/pulumi/proto/plugin_pb") as any;
const emptyproto = require("google-protobuf/google/protobuf/empty_pb") as any;
const structproto = require("google-protobuf/google/protobuf/struct_pb") as any;

type Props = Record<string, unknown>;

/** A Struct from the wire as JSON, or undefined. */
const fromStruct = (s: any): Props | undefined => (s ? (s.toJavaScript() as Props) : undefined);
const toStruct = (p: Props): any => structproto.Struct.fromJavaScript(p);

/** A failure as the engine shows it: our code first, each stack config key in the plugin's spelling; never a stack trace. */
export function errorText(e: unknown): string {
  return withPluginKeys(e instanceof ManagedSecretsError ? `${e.code}: ${e.message}` : describeError(e));
}

function unary<Req, Res>(handle: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handle(call.request).then(
      (res) => callback(null, res),
      (e: unknown) => callback({ code: grpc.status.UNKNOWN, details: errorText(e) } as grpc.ServiceError, null),
    );
  };
}

function checkResponse(inputs: Props, failures: readonly { property: string; reason: string }[]): any {
  const res = new provproto.CheckResponse();
  res.setInputs(toStruct(inputs));
  res.setFailuresList(
    failures.map((f) => {
      const failure = new provproto.CheckFailure();
      failure.setProperty(f.property);
      failure.setReason(f.reason);
      return failure;
    }),
  );
  return res;
}

const CHANGES = { none: 1, some: 2, unknown: 0 } as const; // pulumirpc.DiffResponse.DiffChanges

function diffResponse(verdict: calls.DiffVerdict): any {
  const res = new provproto.DiffResponse();
  res.setChanges(CHANGES[verdict.changes]);
  res.setReplacesList(verdict.replaces);
  res.setDeletebeforereplace(verdict.deleteBeforeReplace);
  return res;
}

/** Provider config that is a credential goes into state as a secret, whatever way it arrived. */
const SECRET_CONFIG = new Set(Object.entries(packageSchema("0.0.0").config.variables).filter(([, v]) => "secret" in v && v.secret).map(([k]) => k));

export function resourceProviderService(version: string): grpc.UntypedServiceImplementation {
  return {
    getPluginInfo: unary(async () => {
      const info = new plugproto.PluginInfo();
      info.setVersion(version);
      return info;
    }),
    getSchema: unary(async (req: any) => {
      if (req.getVersion() !== 0) throw new Error(`unsupported schema version ${req.getVersion()}`);
      const res = new provproto.GetSchemaResponse();
      res.setSchema(JSON.stringify(packageSchema(version)));
      return res;
    }),
    checkConfig: unary(async (req: any) => {
      const news = decodeProperties(fromStruct(req.getNews()));
      const secret = new Set([...SECRET_CONFIG].filter((k) => k in news.value));
      for (const k of Object.keys(news.value)) if (news.secrets.has(k)) secret.add(k);
      return checkResponse(encodeProperties(news.value, secret), configFailures(news.value));
    }),
    diffConfig: unary(async (req: any) => {
      const olds = decodeProperties(fromStruct(req.getOlds())).value;
      const news = decodeProperties(fromStruct(req.getNews()));
      if (news.unknowns.size > 0) return diffResponse({ changes: "unknown", replaces: [], deleteBeforeReplace: false });
      // A changed setting changes where later calls go; nothing already made is replaced.
      return diffResponse({ changes: JSON.stringify(sorted(olds)) === JSON.stringify(sorted(news.value)) ? "none" : "some", replaces: [], deleteBeforeReplace: false });
    }),
    configure: unary(async (req: any) => {
      const args = decodeProperties(fromStruct(req.getArgs())).value;
      const variables = new Map<string, string>(req.getVariablesMap().toArray() as [string, string][]);
      configure(runtimeConfig(settingsFrom(args, variables)));
      const res = new provproto.ConfigureResponse();
      res.setAcceptsecrets(true);
      res.setSupportspreview(true);
      res.setAcceptresources(false);
      res.setAcceptoutputs(false);
      return res;
    }),
    check: unary(async (req: any) => {
      const { inputs, failures } = await calls.check(calls.typeOfUrn(req.getUrn()), fromStruct(req.getOlds()), fromStruct(req.getNews()));
      return checkResponse(inputs, failures);
    }),
    diff: unary(async (req: any) => diffResponse(await calls.diff(calls.typeOfUrn(req.getUrn()), req.getId(), fromStruct(req.getOlds()), fromStruct(req.getNews())))),
    create: unary(async (req: any) => {
      const { id, properties } = await calls.create(calls.typeOfUrn(req.getUrn()), fromStruct(req.getProperties()), req.getPreview());
      const res = new provproto.CreateResponse();
      res.setId(id);
      res.setProperties(toStruct(properties));
      return res;
    }),
    read: unary(async (req: any) => {
      const { id, properties, inputs: imported } = await calls.read(calls.typeOfUrn(req.getUrn()), req.getId(), fromStruct(req.getProperties()));
      const res = new provproto.ReadResponse();
      res.setId(id);
      // No secret, no properties: the engine reports an import of a missing secret as "does not exist" only then (an empty object reads as a plugin that cannot import).
      if (id) res.setProperties(toStruct(properties));
      // An import gets the inputs a program would declare; a refresh keeps the stored ones: it reads what the secret is, not what the program said.
      const inputs = imported ? toStruct(imported) : req.getInputs();
      if (id && inputs) res.setInputs(inputs);
      return res;
    }),
    update: unary(async (req: any) => {
      const properties = await calls.update(calls.typeOfUrn(req.getUrn()), req.getId(), fromStruct(req.getOlds()), fromStruct(req.getNews()), req.getPreview());
      const res = new provproto.UpdateResponse();
      res.setProperties(toStruct(properties));
      return res;
    }),
    delete: unary(async (req: any) => {
      await calls.remove(calls.typeOfUrn(req.getUrn()), req.getId(), fromStruct(req.getProperties()));
      return new emptyproto.Empty();
    }),
    // Nothing long-running is left to stop between calls: each call finishes (or fails) on its own, leaving a re-runnable state.
    cancel: unary(async () => new emptyproto.Empty()),
    attach: unary(async () => new emptyproto.Empty()),
  };
}

function sorted(o: Record<string, Plain>): [string, Plain][] {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
}

/** Serves the provider on a loopback port; resolves with the port (which the plugin prints for the engine). */
export async function startPluginServer(version: string, address = "127.0.0.1:0"): Promise<{ port: number; server: grpc.Server }> {
  const server = new grpc.Server({ "grpc.max_receive_message_length": 64 << 20 });
  server.addService(provrpc.ResourceProviderService, resourceProviderService(version));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port, server };
}

export { PACKAGE_NAME };
