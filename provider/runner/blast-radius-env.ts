import { ManagedSecretsError } from "../core/errors";
import { DEFAULT_PER_HOST, LIMITS, MIN_RATE_PER_MINUTE, parseCanary, parseMaxFailures, parsePerHost, parseRate, type BlastRadius } from "./blast-radius";

/**
 * The blast radius travels from the RotationRunner's settings to the Function
 * Compute runner as environment variables, in the CLI's own flag syntax, so
 * one parser judges both and a deployed runner limits itself as `run` does.
 */

const BLAST_RADIUS_ENV = {
  canary: "MANAGED_SECRETS_CANARY",
  maxFailures: "MANAGED_SECRETS_MAX_FAILURES",
  perHost: "MANAGED_SECRETS_PER_HOST",
  rate: "MANAGED_SECRETS_RATE",
} as const;

/** The deployment settings (runner-deployment.ts) that shape the blast radius. */
export interface BlastRadiusSettings {
  readonly canary?: number | undefined;
  /** `N` or `P%`, as `--max-failures` takes it. */
  readonly maxFailures?: string | undefined;
  readonly perHost?: number | undefined;
  readonly ratePerMinute?: number | undefined;
}

export function blastRadiusEnvironment(s: BlastRadiusSettings): Record<string, string> {
  return {
    ...(s.canary !== undefined ? { [BLAST_RADIUS_ENV.canary]: String(s.canary) } : {}),
    ...(s.maxFailures !== undefined ? { [BLAST_RADIUS_ENV.maxFailures]: s.maxFailures } : {}),
    [BLAST_RADIUS_ENV.perHost]: String(s.perHost ?? DEFAULT_PER_HOST),
    ...(s.ratePerMinute !== undefined ? { [BLAST_RADIUS_ENV.rate]: `${s.ratePerMinute}/min` } : {}),
  };
}

/** Reads what blastRadiusEnvironment wrote; a bad value names its variable. */
export function blastRadiusFromEnv(env: NodeJS.ProcessEnv): BlastRadius {
  const read = <T>(name: string, parse: (text: string) => T): T | undefined => {
    const text = env[name];
    if (text === undefined || text === "") return undefined;
    try {
      return parse(text);
    } catch (e) {
      throw new ManagedSecretsError("InvalidInput", `${name}: ${e instanceof Error ? e.message : String(e)}`, { property: name });
    }
  };
  return {
    canary: read(BLAST_RADIUS_ENV.canary, parseCanary),
    maxFailures: read(BLAST_RADIUS_ENV.maxFailures, parseMaxFailures),
    perHost: read(BLAST_RADIUS_ENV.perHost, parsePerHost),
    ratePerMinute: read(BLAST_RADIUS_ENV.rate, parseRate),
  };
}

/** zod refinements for the deployment schema, with the CLI's rules as messages. */
export const BLAST_RADIUS_RULES = {
  canary: `must be an integer 1..${LIMITS.canary}`,
  maxFailures: `must be a number of failures 1..${LIMITS.maxFailures} or a percentage of the due secrets like "10%" (0.01..100, at most two decimals)`,
  perHost: `must be an integer 1..${LIMITS.perHost}`,
  ratePerMinute: `must be rotations per minute, ${MIN_RATE_PER_MINUTE}..${LIMITS.ratePerMinute} with at most three decimals`,
} as const;

function parses(parse: (text: string) => unknown, text: string): boolean {
  try {
    parse(text);
    return true;
  } catch {
    return false;
  }
}

export const isMaxFailures = (text: string): boolean => parses(parseMaxFailures, text);
/** The setting travels as `${rate}/min` (blastRadiusEnvironment), so it must be a rate the runner's parser takes in that form. */
export const isRatePerMinute = (rate: number): boolean => parses(parseRate, `${rate}/min`);
