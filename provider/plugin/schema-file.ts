/**
 * schema.json, the package schema the SDK generators read (scripts/sdkgen)
 * and the plugin serves from GetSchema: written from package-schema.ts, so
 * the file in git is checked against it (tests/plugin/package-schema.test.ts).
 * `npx tsx provider/plugin/schema-file.ts` rewrites it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageSchema } from "./package-schema";
import { PLUGIN_VERSION } from "./plugin-main";

export const SCHEMA_PATH = join(__dirname, "schema.json");

export function schemaText(version = PLUGIN_VERSION): string {
  return `${JSON.stringify(packageSchema(version), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(SCHEMA_PATH, schemaText());
  console.log(SCHEMA_PATH);
}
