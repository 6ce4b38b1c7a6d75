/** What happens to the previous AccessKey once a rotation is finished (and its grace period, if any, has ended). */
export const PREVIOUS_KEY_ACTIONS = ["keep", "deactivate", "delete"] as const;
export type PreviousKeyAction = (typeof PREVIOUS_KEY_ACTIONS)[number];
