/**
 * The forms of an ECS target's fields: what check() accepts from a program and
 * what a target kind accepts back from a store, so metadata an attacker wrote
 * (a KMS tag) is held to exactly the rules a declaration is. These strings
 * reach ssh2, shell scripts run as root, chpasswd's input and log lines: the
 * forms are narrow on purpose (no spaces, quotes, `$`, `;`, line breaks).
 */
export const INSTANCE_ID = /^i-[A-Za-z0-9]{1,64}$/;
export const INSTANCE_ID_FORM = 'an ECS instance id like "i-bp1..." (i- and 1..64 letters or digits)';

/** Also what a shell, `su` and chpasswd's `user:password` line take safely: no leading "-", no ":". */
export const POSIX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
export const POSIX_USER_FORM = "a POSIX user name ([a-z_][a-z0-9_-]*, at most 32 characters)";

/**
 * A Windows local account, for passwords KMS rotates on Windows instances:
 * Windows allows 20 characters and refuses " / \ [ ] : ; | = , + * ? < > @
 * and names of periods only; this is a narrower set of it (no spaces, no
 * leading period or hyphen), which "Administrator" and the usual names fit.
 */
export const WINDOWS_USER = /^(?!\.+$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,19}$/;
export const WINDOWS_USER_FORM = "a Windows account name (1..20 letters, digits, periods, hyphens or underscores, starting with a letter, digit or underscore; e.g. Administrator)";

export const HOST_KEY_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
export const HOST_KEY_FINGERPRINT_FORM = 'an OpenSSH SHA256 fingerprint: "SHA256:" followed by 43 base64 characters (ssh-keygen -lf)';

export const PORT_FORM = "an integer 1..65535";

export const CREDENTIAL_TYPES = ["password", "keyPair"] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

export function isInstanceId(text: string): boolean {
  return INSTANCE_ID.test(text);
}

export function isPosixUser(text: string): boolean {
  return POSIX_USER.test(text);
}

export function isWindowsUser(text: string): boolean {
  return WINDOWS_USER.test(text);
}

export function isHostKeyFingerprint(text: string): boolean {
  return HOST_KEY_FINGERPRINT.test(text);
}

export function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}
