/**
 * Single-quotes a word for sh. Only ever applied to validated names, public
 * keys and our own scripts: secrets reach a host on stdin, never in a command.
 */
export function shq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
