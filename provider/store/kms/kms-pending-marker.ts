import type { Clock } from "../../core/clock";
import type { KmsCall } from "./kms-call";
import { isoSeconds } from "./kms-secret-meta";
import type { LeaseSession } from "./kms-session";
import { UPDATED_AT_TAG, pendingMarkerTag, readTags } from "./kms-tags";

/**
 * The pending marker on a secret's updated-at tag (kms-tags.ts), set while a
 * rotation's ACSPending version exists: the runner judges what is due from a
 * listing, which shows tags but not versions, and an unfinished rotation is
 * due whatever its schedule.
 */
export class PendingMarker {
  constructor(
    private readonly call: KmsCall,
    private readonly clock: Clock,
  ) {}

  /** Before an ACSPending version is put. The next metadata write (finish) clears it. */
  async mark(name: string, session: LeaseSession | undefined): Promise<void> {
    const known = session?.description && readTags(name, session.description.tags);
    if (known && known.pending) return;
    const tag = pendingMarkerTag((known && known.updatedAt) || isoSeconds(this.clock()));
    await this.call((kms) => kms.tagResource({ secretName: name, tags: [tag] }));
    session?.retag([tag], []);
  }

  /** A marker left by a rotation that ended without a metadata write (set aside, or found done already) is cleared before the lease goes. */
  async clearStale(name: string, session: LeaseSession): Promise<void> {
    const tags = session.description?.tags;
    if (tags === undefined || session.versions === undefined || !readTags(name, tags).pending) return;
    if (session.holder("ACSPending") !== undefined) return;
    const updatedAt = readTags(name, tags).updatedAt ?? isoSeconds(this.clock());
    await this.call((kms) => kms.tagResource({ secretName: name, tags: [{ key: UPDATED_AT_TAG, value: updatedAt }] })).catch(() => undefined);
  }
}
