export {
  AbortError,
  ApiError,
  AuthenticationError,
  ConfigurationError,
  InvalidResponseError,
  NetworkError,
  NotFoundError,
  PermissionError,
  QuotaError,
  RateLimitError,
  ServerError,
  TimeoutError,
  ValidationError,
  createApiError,
  errorClassFor,
} from "./errors.js";
export type { ApiErrorDetails } from "./errors.js";
export { authMiddleware, createApiClient, createCaller, normalizeBaseUrl } from "./client.js";
export type {
  ApiClientConfig,
  CallOptions,
  Caller,
  EnvelopeData,
  OperationBody,
  OperationData,
  InitOf,
  OperationOf,
  OperationQuery,
} from "./client.js";
export { REDACTED, redactSecrets } from "./redact.js";
export { fileNameOf, singleFileForm, toBlob } from "./uploads.js";
export type { UploadSource } from "./uploads.js";
