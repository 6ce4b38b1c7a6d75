import { open } from "node:fs/promises";
import { ManagedSecretsError } from "../../core/errors";
import { writeFileAtomic } from "./atomic-write";
import { openEnvelope, sealEnvelope } from "./format1-envelope";
import { newKeySource, type KeySource } from "./key-derivation";
import { storeFileUnreadable } from "./unreadable";
import { parseDocument, serializeDocument, type StoreDocument } from "./store-document";

/**
 * A format-1 store file (format1-envelope.ts), read whole: what the upgrade
 * to the log reads (format1-migration.ts), and what a reader who may not
 * write the store reads instead (group-commit.ts).
 */
export interface Format1File {
  readonly document: StoreDocument;
  /** The file's salt and scrypt parameters: the log it is upgraded to keeps them, so the key derived for it still applies. */
  readonly keySource: KeySource;
}

/**
 * A format-1 file holds the whole document, rewritten on every change; one
 * this large would hold hundreds of thousands of secrets. The bound is
 * checked before reading, so a file with a huge hole appended costs nothing.
 */
const MAX_FORMAT_1_BYTES = 256 * 1024 * 1024;

/** undefined when the file does not exist yet: a missing file is an empty store. */
export async function readFormat1File(path: string, passphrase: string): Promise<Format1File | undefined> {
  const text = await readBounded(path);
  if (text === undefined) return undefined;
  const opened = await openEnvelope(text, passphrase, path);
  return { document: parseDocument(opened.plaintext, path), keySource: opened.keySource };
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

/** A format-1 file, as a release before the log wrote it: the product no longer writes one; tests make them to upgrade. */
export async function writeFormat1File(path: string, passphrase: string, document: StoreDocument): Promise<void> {
  const sealed = await sealEnvelope(serializeDocument(document), passphrase, newKeySource());
  await writeFileAtomic(path, sealed, { mode: 0o600 });
}
