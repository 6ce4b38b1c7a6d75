/**
 * Installs the generated Python SDK (with PyPI's pulumi) and builds the Go
 * Automation API driver into their cache outside git, as the engine suites
 * would on first use: .ci/run calls it before `npm test`, so pip's and Go's
 * downloads are not counted in the test run.
 */
import { goDriverBinary, pythonWithSdk } from "./language-sdks";

Promise.all([pythonWithSdk(), goDriverBinary()])
  .then(([python, go]) => console.log(`language SDKs ready: ${python}, ${go}`))
  .catch((e: unknown) => {
    console.error(`language SDKs not prepared: ${(e as Error).message}`);
    process.exit(1);
  });
