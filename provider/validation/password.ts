/**
 * Which passwords may be set on a host. A non-root user without an admin
 * connection changes its password by typing it into `passwd` on a terminal,
 * and the terminal's line discipline acts on control characters (DEL erases,
 * ^U kills the line, ^V quotes the next character, ^C/^D end it): the host
 * would end with a password neither stored version holds, and no one could
 * log in with it. Rather than a path that depends on the user and on whether
 * an admin is configured (and the runner never has one), a password we set
 * never holds a control character.
 *
 * At least 8 characters, as ECS itself asks of instance passwords: a
 * shorter one is refused by most hosts' password rules only after the pending
 * version is stored, or accepted by chpasswd and weak.
 */
export const MIN_SET_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;
export const SET_PASSWORD_FORM = `${MIN_SET_PASSWORD_LENGTH}..${MAX_PASSWORD_LENGTH} characters with no control characters (U+0000-U+001F, U+007F-U+009F), which a terminal on the host would alter`;

export function hasControlCharacter(text: string): boolean {
  for (const c of text) {
    const code = c.codePointAt(0)!;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

export function isSettablePassword(text: string): boolean {
  return text.length >= MIN_SET_PASSWORD_LENGTH && text.length <= MAX_PASSWORD_LENGTH && !hasControlCharacter(text);
}
