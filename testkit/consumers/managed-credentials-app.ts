import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EmulatorHandle } from "../../emulator";
import { pythonVenv, type Interpreter } from "./consumer-install";
import { ConsumerProcess } from "./consumer-process";
import { tlsFront } from "./tls-front";

/**
 * Alibaba's managed-credentials provider for the Python SDK core
 * (aliyun-openapi-python-sdk-managed-credentials-provider, the newest release
 * on PyPI), which refreshes a RAMCredentials secret on KMS's rotation
 * schedule, running python/managed_credentials.py against the emulator.
 */
export const MANAGED_CREDENTIALS_PROVIDER = { name: "aliyun-openapi-python-sdk-managed-credentials-provider", version: "0.1.4" } as const;

/**
 * The provider declares Python 2.7 and 3.6 to 3.9 only, and it does not run
 * on 3.11 or later: the aliyun-secret-manager-client 0.1.4 it pins opens its
 * properties file with mode "Ur", which Python 3.11 removed (ValueError:
 * invalid mode). So its virtualenv is made by python3.9, the newest it
 * declares; PYENV_VERSION lets pyenv's python3.9 shim pick an installed 3.9
 * when another version is pyenv's global one (elsewhere it means nothing).
 */
export const MANAGED_CREDENTIALS_PYTHON: Interpreter = { command: "python3.9", env: { PYENV_VERSION: "3.9" } };

/**
 * The provider's virtualenv, installed once into the consumer cache; its
 * python. Its own: it brings the legacy SDK core and Secrets Manager client,
 * which must not meet the v2 client's dependencies. ConsumerUnavailable when
 * python3.9 or PyPI is not there.
 */
export function managedCredentialsConsumer(): Promise<string> {
  return pythonVenv("python3.9-managed-credentials-venv", MANAGED_CREDENTIALS_PYTHON, MANAGED_CREDENTIALS_PROVIDER);
}

/** One signed STS GetCallerIdentity: whether it succeeded after the provider's own refresh and retry, and the key the client signs with. */
export interface CallReport {
  readonly phase: "call";
  readonly ok: boolean;
  /** The refusal's code when the call failed. */
  readonly code?: string;
  /** sha256 of the AccessKey id the client signs with after the call. */
  readonly keyId: string;
}

/** What the provider holds of the secret: what decides its refresh schedule. */
export interface DescribeReport {
  readonly phase: "describe";
  readonly secretType: string;
  readonly secretSubType?: string;
  /** As KMS returns it, "604800s". */
  readonly rotationInterval?: string;
  readonly keyId: string;
}

export interface ManagedCredentialsApp {
  /** One call at `atMs` on the business clock (the provider's time arithmetic follows it). */
  call(atMs: number): Promise<CallReport>;
  describe(atMs: number): Promise<DescribeReport>;
  stop(): Promise<void>;
}

/**
 * Starts the program for `secretName`: it reads the secret from KMS over https
 * (its Secrets Manager client hard-codes https: a loopback TLS front before
 * the emulator) with `reader` (the account's own key unless given), and
 * signs STS calls over http. That
 * client checks no certificate (aliyun-secret-manager-client 0.1.4 builds its
 * KMS AcsClient with verify=False), so the front's self-signed one passes
 * unchecked, as any would. Its HOME is a temporary
 * folder of its own (the provider writes a log there), removed by stop().
 */
export async function startManagedCredentialsApp(
  python: string,
  emulator: EmulatorHandle,
  secretName: string,
  reader: { readonly accessKeyId: string; readonly accessKeySecret: string } = emulator,
): Promise<ManagedCredentialsApp> {
  const home = await mkdtemp(join(tmpdir(), "ms-managed-credentials-"));
  const front = await tlsFront(emulator.port);
  const program = new ConsumerProcess<CallReport | DescribeReport, `${"call" | "describe"} ${number}`>(python, [join(__dirname, "python", "managed_credentials.py")], {
    HOME: home,
    CONSUMER_AK_ID: reader.accessKeyId,
    CONSUMER_AK_SECRET: reader.accessKeySecret,
    CONSUMER_REGION: emulator.regionId,
    CONSUMER_KMS_ENDPOINT: front.endpoint,
    CONSUMER_STS_ENDPOINT: emulator.endpoint,
    CONSUMER_SECRET: secretName,
  });
  const expect = async <R extends CallReport | DescribeReport>(phase: R["phase"], answer: Promise<CallReport | DescribeReport>): Promise<R> => {
    const report = await answer;
    if (report.phase !== phase) throw new Error(`the managed-credentials program answered ${JSON.stringify(report)} to ${phase}`);
    return report as R;
  };
  return {
    // The first call waits for the provider's start (it reads the secret then).
    call: (atMs) => expect<CallReport>("call", program.send(`call ${Math.round(atMs)}`, 60_000)),
    describe: (atMs) => expect<DescribeReport>("describe", program.send(`describe ${Math.round(atMs)}`, 60_000)),
    stop: async () => {
      try {
        await program.stop();
        await front.close();
      } finally {
        await rm(home, { recursive: true, force: true });
      }
    },
  };
}
