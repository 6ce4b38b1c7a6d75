import { isoSeconds } from "../core/clock";
import { newAccessKeyId, newAccessKeySecret, newAccountId } from "../core/ids";
import { readStateFile, writeStateFile } from "./state-file";
import type { EmulatorStateData } from "./state-types";

export interface OpenStateOptions {
  stateFile?: string;
  regionId: string;
  now: Date;
}

/**
 * Owns the data and its persistence. Product modules read and change
 * `data` directly and call `changed()`; writes are coalesced so a burst of
 * requests costs one file write.
 */
export class EmulatorState {
  private saveScheduled = false;

  private constructor(
    readonly data: EmulatorStateData,
    private readonly stateFile?: string,
  ) {}

  static open(options: OpenStateOptions): EmulatorState {
    const loaded = options.stateFile ? readStateFile(options.stateFile) : undefined;
    if (loaded) return new EmulatorState(loaded, options.stateFile);
    const adminAccessKeyId = newAccessKeyId();
    const data: EmulatorStateData = {
      formatVersion: 1,
      accountId: newAccountId(),
      regionId: options.regionId,
      adminAccessKeyId,
      clockOffsetMs: 0,
      accessKeys: {
        [adminAccessKeyId]: {
          accessKeyId: adminAccessKeyId,
          accessKeySecret: newAccessKeySecret(),
          owner: { kind: "root" },
          status: "Active",
          createDate: isoSeconds(options.now),
        },
      },
      users: {},
      instances: {},
      invocations: {},
      secrets: {},
    };
    const state = new EmulatorState(data, options.stateFile);
    state.flush();
    return state;
  }

  changed(): void {
    if (!this.stateFile || this.saveScheduled) return;
    this.saveScheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.saveScheduled = false;
    if (this.stateFile) writeStateFile(this.stateFile, this.data);
  }
}
