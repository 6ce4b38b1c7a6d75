import { decodeEcsValue } from "../../provider/targets/ecs-host/ecs-value";
import type { RotationTarget } from "../../provider/rotation/rotation-target";

/**
 * A target that remembers which values it accepts: apply adds, retire removes,
 * like a host's authorized_keys. For tests and benches of the store and the
 * runner, where the target's own work is not what is measured. It reads the
 * current value with the product's ECS value parser, so a wrong-shaped value
 * fails the way it fails on a real host.
 */
export class FakeTarget implements RotationTarget {
  readonly accepted = new Set<string>();
  private generated = 0;
  constructor(initial: string) {
    this.accepted.add(initial);
  }
  async accepts(value: string) {
    return this.accepted.has(value);
  }
  async apply(current: string, pending: string) {
    decodeEcsValue(current);
    this.accepted.add(pending);
  }
  async test(value: string) {
    return this.accepted.has(value) ? { close: () => undefined } : undefined;
  }
  async retire(_current: string, _versionId: string, older: () => Promise<readonly string[]>) {
    for (const o of await older()) this.accepted.delete(o);
  }
  async generate() {
    return JSON.stringify({ UserName: "root", Password: `Generated-Pw-${++this.generated}` });
  }
}
