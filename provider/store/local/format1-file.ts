import { open } from "node:fs/promises";
import { ManagedSecretsError } from "../../core/errors";
import { writeFileAtomic } from "./atomic-write";
import { openEnvelope, sealEnvelope } from "./format1-envelope";
import { newKeySource, type KeySource } from "./key-derivation";
import { storeFileUnreadable } from "./unreadable";
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

/**
 * A format-1 file holds the whole document, rewritten on every change; one
 * this large would hold hundreds of thousands of secrets. The bound is
 * checked before reading, so a file with a huge hole appended costs nothing.
 */
const MAX_FORMAT_1_BYTES = 256 * 1024 * 1024;

/** undefined when the file does not exist yet: a missing file is an empty store. */
export async function readStoreFile(path: string, passphrase: string, cache?: StoreFileCache): Promise<LoadedStore | undefined> {
  const text = await readBounded(path);
  if (text === undefined) return undefined;
  const known = cache?.hit(text);
  if (known) return { document: parseTrustedDocument(known.plaintext), keySource: known.keySource, plaintext: known.plaintext };
  const opened = await openEnvelope(text, passphrase, path);
  const document = parseDocument(opened.plaintext, path);
  cache?.remember(text, opened.plaintext, opened.keySource);
  return { document, keySource: opened.keySource, plaintext: opened.plaintext };
}

async function readBounded(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw storeFileUnreadable(path, err);
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_FORMAT_1_BYTES) {
      throw new ManagedSecretsError(
        "StoreUnreadable",
        `the store file ${path} is ${size} bytes, larger than a format-1 store file can be (at most ${MAX_FORMAT_1_BYTES}): it is damaged or something was appended to it; it is left as it is: restore it from a backup`,
      );
    }
    return await handle.readFile("utf8");
  } catch (err) {
    if (err instanceof ManagedSecretsError) throw err;
    throw storeFileUnreadable(path, err);
  } finally {
    await handle.close();
  }
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
