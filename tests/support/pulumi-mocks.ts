import * as pulumi from "@pulumi/pulumi";

export interface RegisteredResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/**
 * pulumi.runtime.setMocks for a program under test: every resource it
 * registers is recorded in `registered` and answered by `answer`, and any
 * provider function it calls fails the test (none is expected).
 */
export function mockResources(
  registered: RegisteredResource[],
  answer: (args: pulumi.runtime.MockResourceArgs) => { id: string; state: Record<string, unknown> },
  project = "project",
  stack = "stack",
): void {
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return answer(args);
      },
      call: (args) => {
        throw new Error(`unexpected call ${args.token}`);
      },
    },
    project,
    stack,
    false,
  );
}
