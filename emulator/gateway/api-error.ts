/**
 * An error the emulator answers with, shaped like the real gateway's JSON
 * error body. Every product module throws these and nothing else on purpose,
 * so the router can turn any of them into the exact status and body the
 * `@alicloud/*` clients parse into ClientError / ServerError / ThrottlingError.
 */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
    readonly accessDeniedDetail?: Record<string, string>,
  ) {
    super(message);
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
