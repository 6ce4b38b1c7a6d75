import { readFile } from "node:fs/promises";
import { ManagedSecretsError } from "../../core/errors";
import { writeFileAtomic } from "./atomic-write";
import { newKeySource, openEnvelope, sealEnvelope, type KeySource } from "./store-envelope";
import { parseDocument, parseTrustedDocument, serializeDocument, type StoreDocument } from "./store-document";

/** One store file: the decrypted document, and the key source to write it back with. */
export interface LoadedStore {
  readonly document: StoreDocument;
  readonly keySource: KeySource;
  /** The document's serialized plaintext as loaded: what "unchanged" compares against. */
  readonly plaintext: Buffer;
}

/**
 * The last file contents this process read or wrote, with their plaintext.
 * A rotation touches the store several times in a row; when the file's bytes
 * are exactly what we saw last, decrypting and schema-checking them again
 * would only repeat work, so the cached plaintext is used instead. The bytes
 * themselves are compared (not a timestamp or inode), so another process's
 * write is never missed.
 */
export class StoreFileCache {
  #text?: string;
  #plaintext?: Buffer;
  #keySource?: KeySource;

  hit(text: string): { plaintext: Buffer; keySource: KeySource } | undefined {
    return text === this.#text && this.#plaintext && this.#keySource ? { plaintext: this.#plaintext, keySource: this.#keySource } : undefined;
  }

  remember(text: string, plaintext: Buffer, keySource: KeySource): void {
    this.#text = text;
    this.#plaintext = plaintext;
    this.#keySource = keySource;
  }
}

/** The store file is there (or may be) but this process cannot read it. */
export function storeFileUnreadable(path: string, err: unknown): ManagedSecretsError {
  return new ManagedSecretsError("StoreUnreadable", `the store file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
}

/** undefined when the file does not exist yet: a missing file is an empty store. */
export async function readStoreFile(path: string, passphrase: string, cache?: StoreFileCache): Promise<LoadedStore | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw storeFileUnreadable(path, err);
  }
  const known = cache?.hit(text);
  if (known) return { document: parseTrustedDocument(known.plaintext), keySource: known.keySource, plaintext: known.plaintext };
  const opened = await openEnvelope(text, passphrase, path);
  const document = parseDocument(opened.plaintext, path);
  cache?.remember(text, opened.plaintext, opened.keySource);
  return { document, keySource: opened.keySource, plaintext: opened.plaintext };
}

export interface WriteStoreOptions {
  /** Reuse the file's salt so the cached key still applies; a new file gets a fresh one. */
  readonly keySource?: KeySource;
  readonly beforeRename?: () => void | Promise<void>;
  /** The document already serialized (the caller compared it); serialized here otherwise. */
  readonly plaintext?: Buffer;
  readonly cache?: StoreFileCache;
}

export async function writeStoreFile(path: string, passphrase: string, document: StoreDocument, options: WriteStoreOptions = {}): Promise<void> {
  const plaintext = options.plaintext ?? serializeDocument(document);
  const keySource = options.keySource ?? newKeySource();
  const sealed = await sealEnvelope(plaintext, passphrase, keySource);
  await writeFileAtomic(path, sealed, { mode: 0o600, beforeRename: options.beforeRename });
  options.cache?.remember(sealed, plaintext, keySource);
}
