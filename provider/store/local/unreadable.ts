import { ManagedSecretsError } from "../../core/errors";

/** StoreUnreadable for a store file, in either format: the file is left as it is. */
export function unreadable(message: string, cause?: unknown): ManagedSecretsError {
  return new ManagedSecretsError("StoreUnreadable", message, cause === undefined ? {} : { cause });
}

/** A file of a format version this one does not read (a newer one's, as a rule). */
export function newerFormat(source: string, version: number, reads: number): ManagedSecretsError {
  return unreadable(`the store file ${source} has format version ${version}, which this version cannot read (it reads ${reads}); upgrade alicloud-managed-secrets`);
}

/** The store file is there (or may be) but this process cannot read it. */
export function storeFileUnreadable(path: string, err: unknown): ManagedSecretsError {
  return new ManagedSecretsError("StoreUnreadable", `the store file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
}
