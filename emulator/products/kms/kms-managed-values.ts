import { isoSeconds } from "../../core/clock";

/**
 * The values KMS keeps for the types it rotates, as readers get them:
 * RAM {"AccessKeyId","AccessKeySecret","GenerateTimestamp"}; ECS
 * {"UserName","Password"} or {"UserName","PublicKey","PrivateKey"} (KMS's
 * RAM and ECS secret pages).
 */
export function ramSecretValue(accessKeyId: string, accessKeySecret: string, generatedAt: Date): string {
  return JSON.stringify({ AccessKeyId: accessKeyId, AccessKeySecret: accessKeySecret, GenerateTimestamp: isoSeconds(generatedAt) });
}

export function ecsPasswordValue(userName: string, password: string): string {
  return JSON.stringify({ UserName: userName, Password: password });
}

export function ecsKeyPairValue(userName: string, publicKey: string, privateKey: string): string {
  return JSON.stringify({ UserName: userName, PublicKey: publicKey, PrivateKey: privateKey });
}

/** A stored value's fields, or {} when it is not a JSON object (an ECS secret's initial value is not checked against the instance). */
export function valueFields(data: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(data);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
