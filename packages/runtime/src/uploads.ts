/**
 * What a file upload accepts: a Blob or File; bytes (Buffer, Uint8Array, ArrayBuffer); or a stream of bytes
 * (a Node Readable or any async iterable of chunks, or a web ReadableStream).
 */
export type UploadSource =
  | Blob
  | ArrayBuffer
  | ArrayBufferView
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>;

function copyOf(view: ArrayBufferView): Uint8Array<ArrayBuffer> {
  // Copied: a view may sit on a SharedArrayBuffer, which Blob does not take.
  const bytes = new Uint8Array(view.byteLength);
  bytes.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  return bytes;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array | string> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

/**
 * Reads any upload source into a Blob. Multipart bodies need the length up front, so a stream is read to the
 * end first; a stream that errors rejects here, before anything is sent.
 */
export async function toBlob(source: UploadSource, type?: string): Promise<Blob> {
  const options = type ? { type } : {};
  if (source instanceof Blob) return source;
  if (source instanceof ArrayBuffer) return new Blob([source], options);
  if (ArrayBuffer.isView(source)) return new Blob([copyOf(source)], options);
  if (typeof ReadableStream !== "undefined" && source instanceof ReadableStream) {
    const parts: Uint8Array<ArrayBuffer>[] = [];
    const reader = source.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) parts.push(copyOf(chunk.value));
    return new Blob(parts, options);
  }
  if (isAsyncIterable(source)) {
    const parts: Array<Uint8Array<ArrayBuffer> | string> = [];
    for await (const chunk of source) parts.push(typeof chunk === "string" ? chunk : copyOf(chunk));
    return new Blob(parts, options);
  }
  throw new TypeError(
    "an upload takes a Blob, File, Buffer, Uint8Array, ArrayBuffer, Node Readable stream or web ReadableStream",
  );
}

/** The file name to send: the caller's, else the File's own, else a neutral default. */
export function fileNameOf(source: UploadSource, filename?: string): string {
  if (filename) return filename;
  if (typeof File !== "undefined" && source instanceof File && source.name) return source.name;
  const path = (source as { path?: unknown }).path;
  if (typeof path === "string") return path.split(/[\\/]/).pop() || "file";
  return "file";
}

/** A multipart body with one file part. */
export async function singleFileForm(field: string, source: UploadSource, filename?: string): Promise<FormData> {
  const form = new FormData();
  form.append(field, await toBlob(source), fileNameOf(source, filename));
  return form;
}
