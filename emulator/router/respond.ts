import type { ServerResponse } from "node:http";
import type { ApiError } from "../gateway/api-error";

export function sendJson(res: ServerResponse, status: number, body: unknown, requestId?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json;charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...(requestId ? { "x-acs-request-id": requestId } : {}),
  });
  res.end(text);
}

/** The gateway's error body: {RequestId, HostId, Code, Message, Recommend[, AccessDeniedDetail]}. */
export function sendApiError(
  res: ServerResponse,
  error: ApiError,
  meta: { requestId: string; hostId: string; productCode: string },
): void {
  sendJson(
    res,
    error.httpStatus,
    {
      RequestId: meta.requestId,
      HostId: meta.hostId,
      Code: error.code,
      Message: error.message,
      Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=${meta.productCode}&requestId=${meta.requestId}`,
      ...(error.accessDeniedDetail ? { AccessDeniedDetail: error.accessDeniedDetail } : {}),
    },
    meta.requestId,
  );
}
