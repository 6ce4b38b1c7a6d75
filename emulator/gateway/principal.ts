/**
 * Who a verified call comes from: what both signature kinds (ACS3 in
 * authenticate.ts, RPC in rpc-signature.ts) return and every product
 * authorizes and answers with.
 */

export type Principal =
  | { kind: "root"; accountId: string }
  | { kind: "user"; accountId: string; userName: string; userId: string; admin: boolean }
  /** Temporary credentials of an assumed role; userId is the role's id, which is what KMS records as a creator. */
  | { kind: "role"; accountId: string; roleName: string; roleId: string; userId: string; sessionName: string };

export interface Authenticated {
  principal: Principal;
  accessKeyId: string;
}
