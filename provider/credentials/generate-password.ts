import { randomInt } from "node:crypto";

/**
 * KMS's generated ECS password: 32 characters drawing on upper case, lower
 * case, digits and symbols, with at least one of each so any password policy
 * that asks for all four classes accepts it.
 */
export const GENERATED_PASSWORD_LENGTH = 32;

const CLASSES = [
  "ABCDEFGHJKLMNPQRSTUVWXYZ",
  "abcdefghijkmnopqrstuvwxyz",
  "23456789",
  // No quote, backslash, colon or space: the value must survive chpasswd's "user:password" line and shells around it.
  "!#$%&()*+,-./;<=>?@[]^_{|}~",
] as const;

export function generatePassword(length = GENERATED_PASSWORD_LENGTH): string {
  const all = CLASSES.join("");
  const chars = CLASSES.map((set) => set[randomInt(set.length)]!);
  while (chars.length < length) chars.push(all[randomInt(all.length)]!);
  // Fisher-Yates so the guaranteed characters are not always in front.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join("");
}
