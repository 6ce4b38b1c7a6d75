/**
 * Installs the consumer clients (the Python venvs, the Go program) into their cache
 * outside git, as the consumer suite would on first use: .ci/run calls it
 * before `npm test`, so a fresh machine's minutes of pip and Go downloads are
 * not counted in the test run.
 */
import { managedCredentialsConsumer } from "../../testkit/consumers/managed-credentials-app";
import { goConsumer, pythonConsumer } from "./consumer-setup";

Promise.all([pythonConsumer(), goConsumer(), managedCredentialsConsumer()])
  .then(([python, go, managed]) => console.log(`consumers ready: ${python}, ${go}, ${managed}`))
  .catch((e: unknown) => {
    // The suite skips (saying why) when a registry refuses a package, and fails in CI; this step only prepares.
    console.error(`consumer clients not prepared: ${(e as Error).message}`);
  });
