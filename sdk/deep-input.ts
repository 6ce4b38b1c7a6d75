import type * as pulumi from "@pulumi/pulumi";

/**
 * Resource args where every level, nested objects and their optional members
 * included, may be an Output: a program passes `connection.admin.privateKey`
 * straight from `cfg.requireSecret(...)`, as Pulumi's own providers allow.
 * (Conditional types distribute over `X | undefined`, so optional members recurse too.)
 */
export type DeepInput<T> = T extends string | number | boolean | null | undefined
  ? pulumi.Input<T>
  : T extends readonly (infer U)[]
    ? pulumi.Input<DeepInput<U>[]>
    : pulumi.Input<{ [K in keyof T]: DeepInput<T[K]> }>;

/** The args object itself: its members are inputs, the object is not. */
export type DeepInputs<T> = { [K in keyof T]: DeepInput<T[K]> };
