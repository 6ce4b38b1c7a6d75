import { shq } from "../../ssh/shell-quote";
import { decodeEcsValue } from "./ecs-value";
import { authorizedKeysOf } from "./user-shell";

/**
 * The authorized_keys edits, as shell scripts run as the managed user, shared
 * by the SSH and Cloud Assistant transports so both keep the same guarantees.
 */

/** Marks the authorized_keys lines a secret added, so retiring removes only those (and only this secret's). */
export const KEY_MARKER_PREFIX = "managed-secrets:";

export function keyMarker(secretName: string, versionId: string): string {
  return `${KEY_MARKER_PREFIX}${secretName}:${versionId}`;
}

/**
 * Appends a key line unless it is already there; never rewrites existing
 * lines. Over SSH the line comes on stdin; Cloud Assistant has no stdin, so
 * there it is given (a public key with its marker: nothing secret).
 */
export const APPEND_KEY = (user: string, given?: string) => `umask 077
${authorizedKeysOf(user)}
[ -d "$h/.ssh" ] || mkdir -p "$h/.ssh" || exit 1
${given === undefined ? "IFS= read -r line || exit 1" : `line=${shq(given)}`}
if [ -f "$f" ] && grep -qxF -- "$line" "$f"; then exit 0; fi
if [ -s "$f" ] && [ -n "$(tail -c 1 "$f")" ]; then printf '\\n' >> "$f"; fi
printf '%s\\n' "$line" >> "$f"`;

/**
 * Drops the lines holding an older key of this secret (by key blob, which also
 * covers an adopted initial key that carries no marker) and any line marked by
 * this secret for another version. Writes a temp file and renames it, so a
 * crash leaves either the old or the new file, never a truncated one.
 *
 * The file edited is the one sshd reads: through a symlink, the link stays
 * and its target is rewritten (other users may log in with that same file,
 * and must lose the retired key too). The temp file starts as a copy of the
 * target (`cp -p`), so the rename keeps its mode and owner.
 */
export const RETIRE_KEYS = (user: string, keepBlob: string, keepMark: string, prefix: string, dropBlobs: readonly string[]) => `umask 077
${authorizedKeysOf(user)}
[ -f "$f" ] || exit 0
r=$f
if [ -L "$f" ]; then r=$(readlink -f "$f") || exit 1; fi
t="$r.managed-secrets.$$"
cp -p "$r" "$t" || { rm -f "$t"; exit 1; }
awk -v keepblob=${shq(keepBlob)} -v keepmark=${shq(keepMark)} -v prefix=${shq(prefix)} -v drop=${shq(` ${dropBlobs.join(" ")} `)} '
{
  line = $0
  # sshd ignores the CR of a CRLF line (a file saved on Windows): so must we, or a bare key line ends in a blob plus CR.
  sub(/\r$/, "")
  blob = ""
  for (i = 1; i < NF; i++) if ($i ~ /^(ssh-rsa|ssh-ed25519|ssh-dss|ecdsa-sha2-[a-z0-9]+|sk-[a-z0-9@.-]+)$/) { blob = $(i + 1); break }
  if (blob != "" && blob == keepblob) { print line; next }
  if (blob != "" && index(drop, " " blob " ") > 0) next
  if (index($NF, prefix) == 1 && $NF != keepmark) next
  print line
}' "$r" > "$t" && mv -f "$t" "$r" || { rm -f "$t"; exit 1; }`;

/** The base64 key blob of an OpenSSH public key line: what identifies the key whatever its options or comment. */
export function blobOf(publicKey: string): string {
  return publicKey.trim().split(/\s+/)[1] ?? "";
}

/**
 * The retire step's script for either transport: remove the key lines this
 * secret added for older versions (as the store still holds them), keep the
 * current one and every line the secret did not add.
 */
export function retireOlderKeys(o: { readonly managedUser: string; readonly secretName: string }, versionId: string, current: { readonly PublicKey: string }, older: readonly string[]): string {
  const keepBlob = blobOf(current.PublicKey);
  const dropBlobs = older
    .map((text) => decodeEcsValue(text))
    .flatMap((v) => ("PublicKey" in v ? [blobOf(v.PublicKey)] : []))
    .filter((blob) => blob !== keepBlob);
  return RETIRE_KEYS(o.managedUser, keepBlob, keyMarker(o.secretName, versionId), `${KEY_MARKER_PREFIX}${o.secretName}:`, dropBlobs);
}
