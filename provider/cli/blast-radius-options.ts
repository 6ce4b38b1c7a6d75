import type { TargetRegistry } from "../rotation/target-registry";
import { Option } from "commander";
import { blastRadiusGate, failureDomainsOf, DEFAULT_PER_HOST, parseCanary, parseMaxFailures, parsePerHost, parseRate, type FailureBudget } from "../runner/blast-radius";
import { collectSelect, type SelectTerm } from "../runner/selection";
import type { RunGate } from "../runner/run-once";

/** The blast-radius flags of `run` and `rotate`, and `--select` (which `check` shares). */

export interface BlastRadiusFlags {
  canary?: number;
  maxFailures?: FailureBudget;
  perHost?: number;
  rate?: number;
  select?: SelectTerm[];
}

export function selectOption(): Option {
  return new Option(
    "--select <term>",
    "only secrets matching name:<prefix>, instance:<id>, kind:ecs|ram or tag:<key>=<value>; repeat it: terms on one field are alternatives, different fields must all match",
  ).argParser(collectSelect);
}

/** In the order `--help` lists them. */
export function blastRadiusOptions(): Option[] {
  return [
    selectOption(),
    new Option("--canary <n>", "rotate the first n due secrets (by name) first, and the rest only if none of them failed").argParser(parseCanary),
    new Option("--max-failures <n|p%>", "stop starting rotations once n have failed (or p% of the due secrets, rounded up); those in flight finish").argParser(parseMaxFailures),
    new Option("--per-host <n>", `rotations in flight on one ECS instance (or one RAM user) (1..64, default ${DEFAULT_PER_HOST})`).argParser(parsePerHost),
    new Option("--rate <r/min>", "start at most r rotations a minute across the pass, e.g. 30/min").argParser(parseRate),
  ];
}

export function gateFrom(flags: BlastRadiusFlags, targets: TargetRegistry): RunGate {
  return blastRadiusGate({ canary: flags.canary, maxFailures: flags.maxFailures, perHost: flags.perHost, ratePerMinute: flags.rate }, failureDomainsOf(targets));
}
