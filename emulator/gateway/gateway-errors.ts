import { ApiError } from "./api-error";

/**
 * Errors the shared OpenAPI gateway (POP) answers before any product sees the
 * request. Codes, statuses and wording follow the gateway's published common
 * error table ("管控OpenAPI的客户端公用错误码") and responses seen from the
 * live service; see emulator/README.md for sources.
 */
export const gatewayErrors = {
  actionNotFound: () =>
    new ApiError(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method."),
  invalidVersion: () => new ApiError(400, "InvalidVersion", "Specified parameter Version is not valid."),
  missingParameter: (name: string) => new ApiError(400, `Missing${name}`, `${name} is mandatory for this action.`),
  invalidParameter: (name: string) =>
    new ApiError(400, `Invalid${name}`, `Specified parameter ${name} is not valid.`),
  accessKeyNotFound: () => new ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."),
  accessKeyInactive: () => new ApiError(400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled."),
  signatureMismatch: (serverStringToSign: string) =>
    new ApiError(
      400,
      "SignatureDoesNotMatch",
      `Specified signature is not matched with our calculation. server string to sign is:${serverStringToSign}`,
    ),
  incompleteSignature: (why: string) =>
    new ApiError(400, "IncompleteSignature", `The request signature does not conform to Aliyun standards. ${why}`),
  invalidSignatureMethod: () => new ApiError(400, "InvalidSignatureMethod", "Specified signature method is not valid."),
  timestampFormat: () =>
    new ApiError(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted."),
  timestampExpired: () =>
    new ApiError(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."),
  /** Temporary-credential refusals, worded as the STS troubleshooting pages quote them (see emulator/README.md). */
  missingSecurityToken: () => new ApiError(400, "MissingSecurityToken", "SecurityToken is mandatory for this action."),
  securityTokenMismatch: () =>
    new ApiError(400, "InvalidSecurityToken.MismatchWithAccessKey", "Specified SecurityToken mismatch with the AccessKey."),
  securityTokenExpired: () => new ApiError(400, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired."),
  nonceUsed: () => new ApiError(400, "SignatureNonceUsed", "Specified signature nonce was used already."),
  unsupportedMethod: () => new ApiError(400, "UnsupportedHTTPMethod", "This http method not supported."),
  userThrottling: () => new ApiError(400, "Throttling.User", "Request was denied due to user flow control."),
  internalError: () =>
    new ApiError(500, "InternalError", "The request processing has failed due to some unknown error, exception or failure."),
  serviceUnavailable: () =>
    new ApiError(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
};
