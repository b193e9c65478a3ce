export {
  AbortError,
  ApiError,
  AuthenticationError,
  ConfigurationError,
  ConnectionError,
  InvalidResponseError,
  NetworkError,
  NotFoundError,
  OutcomeUnknownError,
  PermissionError,
  QuotaError,
  RateLimitError,
  RedirectError,
  ResponseTooLargeError,
  ServerError,
  TimeoutError,
  ValidationError,
  createApiError,
  errorClassFor,
} from "./errors.js";
export type { ApiErrorDetails } from "./errors.js";
export { authMiddleware, createApiClient, normalizeBaseUrl, secretsOf } from "./client.js";
export { MAX_TIMER_MS } from "./config.js";
export type { ApiClientConfig, RuntimeOptions } from "./client.js";
export { RESPONSE_SINK, createCaller, withResponse } from "./caller.js";
export { DEFAULT_RETRY, isConnectFailure, isIdempotentMethod, isLocalFailure, parseRetryAfter, resolveRetry, retryDelayMs, shouldRetry } from "./retry.js";
export type { Failure, ResolvedRetry, RetryOptions } from "./retry.js";
export { limiterFor, rateLimitKey, sleep, slidingWindowLimiter } from "./throttle.js";
export type { Limiter, RateLimitOptions } from "./throttle.js";
export { debugLogger, loggerFromEnvironment } from "./log.js";
export type { ClientEvent, Logger } from "./log.js";
export { DEFAULT_MAX_RESPONSE_BYTES, PATH_TEMPLATE_KEY, REQUEST_OPTIONS_KEY, TransportFailure, attemptsOf, createTransport } from "./transport.js";
export type { FailureDetail, RequestOptions, TransportOptions } from "./transport.js";
export type {
  CallOptions,
  Caller,
  EnvelopeData,
  OperationBody,
  OperationData,
  InitOf,
  OperationOf,
  OperationQuery,
  PerCallOptions,
  ResponseSink,
  UndefinedWhereOptional,
  WithResponse,
} from "./caller.js";
export { REDACTED, TRUNCATED, redactSecrets, redactValue, redactor } from "./redact.js";
export { fileNameOf, singleFileForm, toBlob } from "./uploads.js";
export type { UploadSource } from "./uploads.js";
export { itemsOf, listIn, listOf, pagesByCursor, pagesByNumber } from "./pagination.js";
export type { CursorPage, ListOperation, NumberedPage, ReadAhead } from "./pagination.js";
export { BulkWriteError, writeInChunks } from "./chunked.js";
export type { ChunkedWriteOptions, WriteOutcome } from "./chunked.js";
