/** Stack config as the dynamic-provider host hands it to configure(): read by key, values already decrypted. */
export interface ConfigSource {
  get(key: string): string | undefined;
}
