import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import type { EmulatorStateData } from "./state-types";

/** Returns undefined when there is no file yet (a fresh sandbox). */
export function readStateFile(path: string): EmulatorStateData | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const data = JSON.parse(text) as EmulatorStateData;
  if (data.formatVersion !== 1) throw new Error(`state file ${path} has an unknown format version`);
  return data;
}

/**
 * Temp file + fsync + rename, so a crash mid-write leaves the previous state
 * intact. Mode 0600 because the file holds AccessKey secrets and secret data.
 */
export function writeStateFile(path: string, data: EmulatorStateData): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, JSON.stringify(data, null, 2));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
