import { z } from "zod";
import { ManagedSecretsError } from "../../core/errors";
import { VERSION_STAGES, type VersionStage } from "../secret-store";

/**
 * The decrypted contents of the local store: every secret with all of its
 * versions, leases and a short memory of purged names. Plain data; the rules
 * live in local-store.ts and, for stages, in the contract's stage-moves.ts.
 */
const DOCUMENT_VERSION = 1;

export interface StoredVersion {
  versionId: string;
  value: string;
  stages: VersionStage[];
  createdAt: string;
}

export interface Lease {
  owner: string;
  expiresAt: string;
}

export interface StoredSecret {
  name: string;
  description: string;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  plannedDeleteAt?: string;
  /** Oldest first: pruning and "the oldest unstaged version" depend on this order. */
  versions: StoredVersion[];
  lease?: Lease;
}

/** Why a name is gone, so SecretNotFound can say so instead of just "no such secret". */
export interface Tombstone {
  name: string;
  deletedAt: string;
  reason: "window-passed" | "forced";
}

export interface StoreDocument {
  /** A Map, not an object: secret names such as "__proto__" are legal. */
  secrets: Map<string, StoredSecret>;
  tombstones: Tombstone[];
  /**
   * Names of secrets scheduled for deletion, kept by putSecret/removeSecret,
   * so a write finds the ones to purge without visiting every secret.
   * Absent on a document built otherwise: then every secret is visited.
   */
  scheduled?: Set<string>;
}

export function putSecret(doc: StoreDocument, secret: StoredSecret): void {
  doc.secrets.set(secret.name, secret);
  if (secret.plannedDeleteAt === undefined) doc.scheduled?.delete(secret.name);
  else doc.scheduled?.add(secret.name);
}

export function removeSecret(doc: StoreDocument, name: string): void {
  doc.secrets.delete(name);
  doc.scheduled?.delete(name);
}

const versionSchema = z.object({
  versionId: z.string(),
  value: z.string(),
  stages: z.array(z.enum(VERSION_STAGES)),
  createdAt: z.string(),
});

const secretSchema = z.object({
  name: z.string(),
  description: z.string(),
  metadata: z.array(z.tuple([z.string(), z.string()])),
  createdAt: z.string(),
  updatedAt: z.string(),
  plannedDeleteAt: z.string().optional(),
  versions: z.array(versionSchema),
  lease: z.object({ owner: z.string(), expiresAt: z.string() }).optional(),
});

export const tombstonesSchema = z.array(z.object({ name: z.string(), deletedAt: z.string(), reason: z.enum(["window-passed", "forced"]) }));

const documentSchema = z.object({
  version: z.number().int(),
  secrets: z.array(secretSchema),
  tombstones: tombstonesSchema,
});

export function emptyDocument(): StoreDocument {
  return { secrets: new Map(), tombstones: [], scheduled: new Set() };
}

/** One secret as it is written: metadata as pairs, so a "__proto__" key stays data when read back. */
export type SerializedSecret = Omit<StoredSecret, "metadata"> & { metadata: Array<[string, string]> };

export function serializeSecret(secret: StoredSecret): SerializedSecret {
  return { ...secret, metadata: Object.entries(secret.metadata) };
}

/**
 * Checks the shape of one secret read from a log record, by hand: a store
 * opens by reading every secret, and this runs in a fraction of the time the
 * schema above takes at 10,000 secrets. Undefined when the shape is wrong.
 */
export function parseSecret(raw: unknown): StoredSecret | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const s = raw as Record<string, unknown>;
  if (!isString(s.name) || !isString(s.description) || !isString(s.createdAt) || !isString(s.updatedAt)) return undefined;
  if (s.plannedDeleteAt !== undefined && !isString(s.plannedDeleteAt)) return undefined;
  if (!Array.isArray(s.metadata) || !s.metadata.every((e) => Array.isArray(e) && e.length === 2 && isString(e[0]) && isString(e[1]))) return undefined;
  if (!Array.isArray(s.versions) || !s.versions.every(isVersion)) return undefined;
  let lease: Lease | undefined;
  if (s.lease !== undefined) {
    const l = s.lease as Record<string, unknown> | null;
    if (typeof l !== "object" || l === null || !isString(l.owner) || !isString(l.expiresAt)) return undefined;
    lease = { owner: l.owner, expiresAt: l.expiresAt };
  }
  return {
    name: s.name,
    description: s.description,
    // fromEntries defines own properties, so a "__proto__" metadata key stays data.
    metadata: Object.fromEntries(s.metadata as Array<[string, string]>),
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    ...(s.plannedDeleteAt === undefined ? {} : { plannedDeleteAt: s.plannedDeleteAt as string }),
    versions: (s.versions as StoredVersion[]).map((v) => ({ versionId: v.versionId, value: v.value, stages: [...v.stages], createdAt: v.createdAt })),
    ...(lease === undefined ? {} : { lease }),
  };
}

function isString(v: unknown): v is string {
  return typeof v === "string";
}

function isVersion(raw: unknown): boolean {
  if (typeof raw !== "object" || raw === null) return false;
  const v = raw as Record<string, unknown>;
  return (
    isString(v.versionId) &&
    isString(v.value) &&
    isString(v.createdAt) &&
    Array.isArray(v.stages) &&
    v.stages.every((stage) => (VERSION_STAGES as readonly unknown[]).includes(stage))
  );
}

/** Deterministic output (sorted names), so an unchanged document serializes to the same bytes. */
export function serializeDocument(doc: StoreDocument): Buffer {
  const secrets = [...doc.secrets.values()].sort((a, b) => compareNames(a.name, b.name)).map(serializeSecret);
  return Buffer.from(JSON.stringify({ version: DOCUMENT_VERSION, secrets, tombstones: doc.tombstones }), "utf8");
}

export function parseDocument(plaintext: Buffer, source: string): StoreDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(plaintext.toString("utf8"));
  } catch {
    throw malformed(source);
  }
  // Checked before the full schema so a newer file gets an "upgrade" message, not "damaged".
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === "number" && version !== DOCUMENT_VERSION) {
    throw new ManagedSecretsError("StoreUnreadable", `the store file ${source} holds document version ${version}, which this version cannot read; upgrade alicloud-managed-secrets`);
  }
  // The zod issues are not passed on: they could quote stored values.
  const parsed = documentSchema.safeParse(raw);
  if (!parsed.success) throw malformed(source);
  const secrets = new Map<string, StoredSecret>();
  for (const s of parsed.data.secrets) {
    // fromEntries defines own properties, so a "__proto__" metadata key stays data.
    secrets.set(s.name, { ...s, metadata: Object.fromEntries(s.metadata) });
  }
  return { secrets, tombstones: parsed.data.tombstones };
}

/** Code-unit order: the same on every machine and locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function malformed(source: string): ManagedSecretsError {
  return new ManagedSecretsError("StoreUnreadable", `the store file ${source} decrypts but its contents are not a valid store document`);
}
