/**
 * For a resource's registration (its `super(...)` call): V8 captures no stack
 * frames for the errors made meanwhile, and the returned function puts the
 * limit back. @pulumi/pulumi makes four promises per registered property and
 * records `new Error().stack` on each, only for its report of promises a
 * program leaves pending; under ts-node, which runs Pulumi's TypeScript
 * programs, every frame of every one is source-mapped. That was about 10 ms
 * per EcsSecret, the largest cost a preview pays per resource (measured in
 * docs/benchmarks.md, "The engine path as stacks grow"). The resource's own
 * source position is kept: Pulumi lifts the limit itself to read it.
 */
export function withoutStackCapture(): () => void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  return () => {
    Error.stackTraceLimit = limit;
  };
}
