import { managedSecrets } from "./program";

/** Secret name -> its current version and next scheduled rotation (no credential). */
export const secrets = managedSecrets().summary;
