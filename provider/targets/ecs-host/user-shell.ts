import { ManagedSecretsError } from "../../core/errors";
import { shq } from "../../ssh/shell-quote";
import { POSIX_USER_FORM, isPosixUser } from "../../validation/ecs-fields";

/**
 * Shell text that names an instance user, for both transports. The user name
 * comes from the program or the store and is validated there (validation/
 * ecs-fields.ts); here it is quoted anyway, so no name can become shell
 * syntax even if a check is ever missed.
 */

/** `script` run by sh as `user`, from a root shell. `--` so no name is read as an option of su. */
export function suAs(user: string, script: string): string {
  return `su -s /bin/sh -c ${shq(script)} -- ${shq(user)}`;
}

/**
 * Sets `$h` to the user's home and `$f` to its authorized_keys. Not `~user`:
 * tilde expansion happens only on an unquoted word, so the name would have
 * to reach the shell as syntax. The home is the passwd entry's sixth field,
 * cut out by the shell itself (no `cut` process on the rotation's path).
 */
export function authorizedKeysOf(user: string): string {
  return `h=$(getent passwd -- ${shq(user)})
h=\${h#*:*:*:*:*:}
h=\${h%%:*}
[ -n "$h" ] || { echo "no home directory for "${shq(user)} >&2; exit 3; }
f="$h/.ssh/authorized_keys"`;
}

/**
 * A target refuses a user name check() would refuse, whoever built it: the
 * name also goes into chpasswd's `user:password` line, where quoting is no
 * help (a line break would set another user's password).
 */
export function requirePosixUser(user: string, secretName: string): void {
  if (!isPosixUser(user)) {
    throw new ManagedSecretsError("InvalidInput", `secret "${secretName}": managedUser must be ${POSIX_USER_FORM}; nothing was sent`, { property: "managedUser", secretName });
  }
}
