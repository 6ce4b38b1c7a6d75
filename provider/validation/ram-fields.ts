/**
 * The form of a RAM user name, for check() and for a RAM target read back
 * from a store alike: the name decides whose AccessKeys a rotation creates
 * and retires. RAM: letters, digits, periods, hyphens and underscores, at most 64.
 */
export const RAM_USER_NAME = /^[A-Za-z0-9._-]{1,64}$/;
export const RAM_USER_NAME_FORM = "a RAM user name: 1..64 letters, digits, periods, hyphens or underscores";

export function isRamUserName(text: string): boolean {
  return RAM_USER_NAME.test(text);
}
