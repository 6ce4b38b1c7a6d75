import { strict as assert } from "node:assert";
import type * as pub from "../../sdk/types";
import type { EcsSecretInputs } from "../../provider/resources/ecs-secret/ecs-secret-schema";
import type { RamSecretInputs } from "../../provider/resources/ram-secret/ram-secret-schema";
import type { PreviousKeyAction } from "../../provider/targets/ram-access-key/previous-key-action";
import type { EcsSecretOutputs } from "../../provider/resources/ecs-secret/ecs-secret-handler";
import type { RamSecretOutputs } from "../../provider/resources/ram-secret/ram-secret-handler";
import type { RunnerDeploymentInput } from "../../provider/runner/deploy/runner-deployment";

/**
 * The published typings spell the SDK's shapes out by hand (so users'
 * compilers never load zod's or the cloud SDKs' typings). This file is part of
 * `npm run typecheck`: a schema change that the public types do not follow
 * fails the type check here, naming the pair.
 */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const sameShape: {
  ecsInputs: Equal<pub.EcsSecretInputs, EcsSecretInputs>;
  ramInputs: Equal<pub.RamSecretInputs, RamSecretInputs>;
  ecsOutputs: Equal<pub.EcsSecretOutputs, EcsSecretOutputs>;
  ramOutputs: Equal<pub.RamSecretOutputs, RamSecretOutputs>;
  runnerInput: Equal<pub.RunnerDeploymentInput, RunnerDeploymentInput>;
  /** The outputs are plain types (provider/resources/secret-outputs.ts); their literals follow the schemas. */
  previousKeyAction: Equal<pub.RamSecretOutputs["previousKeyAction"], PreviousKeyAction>;
} = { ecsInputs: true, ramInputs: true, ecsOutputs: true, ramOutputs: true, runnerInput: true, previousKeyAction: true };

describe("public types", () => {
  it("match the provider's schemas and outputs exactly (checked by the type check)", () => {
    assert.ok(Object.values(sameShape).every((v) => v === true));
  });
});
