import type { KmsClient } from "../../alicloud/kms-client";

/**
 * One KMS call on the store's client, made once: the client retries what may
 * succeed on another try (provider/alicloud/kms-client.ts), and only there.
 */
export type KmsCall = <T>(call: (kms: KmsClient) => Promise<T>) => Promise<T>;

/** The client, made on first use when given as a function (so resolving cloud settings waits until the store is used); made again after a failed try. */
export function lazyKmsClient(client: KmsClient | (() => KmsClient)): () => KmsClient {
  if (typeof client !== "function") return () => client;
  let made: KmsClient | undefined;
  return () => (made ??= client());
}

/** Calls on `client()`; a client that cannot be made fails the call, as a failed call does. */
export function callsOn(client: () => KmsClient): KmsCall {
  return async (call) => call(client());
}
