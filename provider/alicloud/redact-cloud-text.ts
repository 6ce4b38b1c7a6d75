/**
 * What a cloud service says back (its message, its Code, its request id) is
 * shown to people: on stderr, in logs, in a run's report. A service may
 * quote the request in it (a parameter it refused, the string it signed),
 * so before anything here is kept every credential the call carried is cut
 * out, and so is anything shaped like one, whoever's it is:
 *
 * - a private key block (PEM or OpenSSH), to its END line or the text's end;
 * - a run of 20+ base64 characters with upper case, lower case and digits
 *   (AccessKey secrets are 30, STS tokens and key blobs longer), except an
 *   AccessKey id (LTAI...), which is an identifier, not a secret;
 * - a word of 16+ characters mixing upper case, lower case, digits and
 *   symbols, and switching between them as random text does (a generated
 *   password, 32 characters, switches 10 to 31 times; an ARN such as
 *   acs:ram::123456:role/AliyunECSDefaultRole switches at one character in
 *   four and stays).
 *
 * A sent credential is also looked for JSON-escaped and URL-encoded, and
 * when it is a JSON object (KMS SecretData) each of its string fields too.
 */

export const REDACTED = "[redacted]";

const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
const BASE64_RUN = /[A-Za-z0-9+/=]{20,}/g;
const LONG_WORD = /\S{16,}/g;
/** Shorter than this, a "credential" would cut ordinary words out of every message. */
const MIN_SENT_LENGTH = 6;

const mixedCase = (text: string): boolean => /[A-Z]/.test(text) && /[a-z]/.test(text) && /[0-9]/.test(text);
const classOf = (c: string): string => (/[A-Z]/.test(c) ? "A" : /[a-z]/.test(c) ? "a" : /[0-9]/.test(c) ? "0" : "-");

/** Random over four classes, text changes class at about 7 characters in 10 (never under 3 in 10 in 200,000 generated passwords); names and ids far less. */
function looksRandom(word: string): boolean {
  if (!mixedCase(word) || !/[^A-Za-z0-9]/.test(word)) return false;
  let switches = 0;
  for (let i = 1; i < word.length; i++) if (classOf(word[i]!) !== classOf(word[i - 1]!)) switches++;
  return switches >= word.length * 0.3;
}

/** Every form in which a sent credential could come back. */
function forms(secret: string): string[] {
  const parts = [secret];
  try {
    const parsed: unknown = JSON.parse(secret);
    if (parsed !== null && typeof parsed === "object") parts.push(...Object.values(parsed).filter((v): v is string => typeof v === "string"));
  } catch {
    // Not JSON: the credential itself.
  }
  const out = parts.flatMap((p) => [p, JSON.stringify(p).slice(1, -1), encodeURIComponent(p)]);
  // Longest first, so a credential is cut whole before a field inside it is looked for.
  return [...new Set(out)].filter((f) => f.length >= MIN_SENT_LENGTH).sort((a, b) => b.length - a.length);
}

export function redactCloudText(text: string, sent: readonly string[] = []): string {
  let out = text;
  for (const form of sent.flatMap(forms)) out = out.split(form).join(REDACTED);
  return out
    .replace(PRIVATE_KEY_BLOCK, `${REDACTED} private key`)
    // Whole words first: a password cut only where it runs through base64 characters would leave the rest of it.
    .replace(LONG_WORD, (word) => (looksRandom(word) ? REDACTED : word))
    .replace(BASE64_RUN, (run) => (mixedCase(run) && !run.startsWith("LTAI") ? REDACTED : run));
}
