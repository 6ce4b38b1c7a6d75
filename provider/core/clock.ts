/** Time is injected everywhere it matters, so tests move it instead of waiting. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
