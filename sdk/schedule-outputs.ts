/** The outputs both secrets report about their schedule and health: registered unknown, filled in by the provider. */
export const SCHEDULE_OUTPUTS = {
  automaticRotation: undefined,
  rotationPeriodSeconds: undefined,
  lastRotatedAt: undefined,
  nextRotationAt: undefined,
  plannedDeleteAt: undefined,
  health: undefined,
} as const;
