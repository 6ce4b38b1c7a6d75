import assert from "node:assert/strict";
import { ManagedSecretsError, type ErrorCode } from "../../provider/core/errors";

/** Awaits a rejection and checks it is ours with this code (and property, when given); returns it for message checks. */
export async function expectError(
  pending: Promise<unknown> | (() => unknown),
  code: ErrorCode,
  expected: { property?: string; message?: RegExp } = {},
): Promise<ManagedSecretsError> {
  let caught: unknown;
  try {
    await (typeof pending === "function" ? pending() : pending);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected ${code}, but it succeeded`);
  assert.ok(caught instanceof ManagedSecretsError, `expected ManagedSecretsError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`);
  if (expected.property !== undefined) assert.equal(caught.details.property, expected.property);
  if (expected.message !== undefined) assert.match(caught.message, expected.message);
  return caught;
}
