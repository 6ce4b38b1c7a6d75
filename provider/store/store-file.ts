import { readFile } from "node:fs/promises";
import { ManagedSecretsError } from "../errors";
import { writeFileAtomic } from "./atomic-write";
import { newKeySource, openEnvelope, sealEnvelope, type KeySource } from "./store-envelope";
import { parseDocument, serializeDocument, type StoreDocument } from "./store-document";

/** One store file: the decrypted document, and the key source to write it back with. */
export interface LoadedStore {
  readonly document: StoreDocument;
  readonly keySource: KeySource;
}

/** undefined when the file does not exist yet: a missing file is an empty store. */
export async function readStoreFile(path: string, passphrase: string): Promise<LoadedStore | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new ManagedSecretsError("StoreUnreadable", `the store file ${path} cannot be read (${code ?? String(err)})`, { cause: err });
  }
  const opened = await openEnvelope(text, passphrase, path);
  return { document: parseDocument(opened.plaintext, path), keySource: opened.keySource };
}

export interface WriteStoreOptions {
  /** Reuse the file's salt so the cached key still applies; a new file gets a fresh one. */
  readonly keySource?: KeySource;
  readonly beforeRename?: () => void | Promise<void>;
}

export async function writeStoreFile(path: string, passphrase: string, document: StoreDocument, options: WriteStoreOptions = {}): Promise<void> {
  const sealed = await sealEnvelope(serializeDocument(document), passphrase, options.keySource ?? newKeySource());
  await writeFileAtomic(path, sealed, { mode: 0o600, beforeRename: options.beforeRename });
}
