import { randomBytes, randomInt, randomUUID } from "node:crypto";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomString(length: number, alphabet = ALNUM): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

function randomDigits(length: number): string {
  let out = String(1 + randomInt(9));
  while (out.length < length) out += String(randomInt(10));
  return out;
}

/** Real AccessKey ids are 24 characters starting with LTAI; tools key on that prefix. */
export const newAccessKeyId = (): string => `LTAI5t${randomString(18)}`;
export const newAccessKeySecret = (): string => randomString(30);
export const newAccountId = (): string => randomDigits(16);
export const newUserId = (): string => randomDigits(16);
export const newRoleId = (): string => randomDigits(19);
export const newRequestId = (): string => randomUUID().toUpperCase();
export const newInvokeId = (): string => `t-${randomBytes(12).toString("hex")}`;

const PASSWORD_CLASSES = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!#%+,-.:=@^_~"];
/** KMS generates ECS passwords itself; the emulator's: 32 characters with each of upper, lower, digit and symbol. */
export const GENERATED_PASSWORD_LENGTH = 32;

export function newPassword(): string {
  const all = PASSWORD_CLASSES.join("");
  for (;;) {
    const candidate = randomString(GENERATED_PASSWORD_LENGTH, all);
    if (PASSWORD_CLASSES.every((c) => [...candidate].some((ch) => c.includes(ch)))) return candidate;
  }
}

export const newVersionId = (): string => randomUUID();
export const newCommandId = (): string => `c-${randomBytes(12).toString("hex")}`;
/** KMS prints key ids as key- and 24 lowercase letters and digits (key-hzz630494463ejqjx1234), version ids as UUIDs. */
export const newKmsKeyId = (): string => `key-${randomString(24, "abcdefghijklmnopqrstuvwxyz0123456789")}`;
export const newKmsKeyVersionId = (): string => randomUUID();
