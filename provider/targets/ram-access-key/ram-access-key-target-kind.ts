import { ManagedSecretsError } from "../../core/errors";
import type { TargetKind } from "../../rotation/target-registry";
import { META } from "../../schedule/rotation-metadata";
import { GRACE_META, ramTargetFor } from "./ram-access-key-target";

/** A RAM user's AccessKey, rotated with the admin credentials of the context's cloud settings. */
export const ramAccessKeyTargetKind: TargetKind = {
  name: "ram",
  matches: (m) => m[META.kind] === "ram",
  fromMetadata(meta, ctx) {
    const m = meta.metadata;
    if (!m.userName) {
      throw new ManagedSecretsError("StoreUnreadable", `secret ${meta.name} lacks the RAM user it needs to be rotated`, { secretName: meta.name });
    }
    const action = m.previousKeyAction === "deactivate" || m.previousKeyAction === "delete" ? m.previousKeyAction : "keep";
    const grace = Number(m[GRACE_META] ?? 0);
    return ramTargetFor(
      { secretName: meta.name, userName: m.userName, previousKeyAction: action, previousKeyGraceSeconds: Number.isInteger(grace) && grace > 0 ? grace : 0 },
      ctx,
    );
  },
};
