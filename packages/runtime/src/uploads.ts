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

// Blob, File and ReadableStream are globals in every runtime the clients support (Node ≥ 20, browsers, workers),
// so they are used without checking for them first.

function copyOf(view: ArrayBufferView): Uint8Array<ArrayBuffer> {
  // Copied: a view may sit on a SharedArrayBuffer, which Blob does not take.
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
}

/** The chunks of a web ReadableStream (not async iterable in every browser). */
async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) yield chunk.value;
}

/**
 * Reads any upload source into a Blob. Multipart bodies need the length up front, so a stream is read to the
 * end first; a stream that errors rejects here, before anything is sent.
 */
export async function toBlob(source: UploadSource, type?: string): Promise<Blob> {
  if (source instanceof Blob) return source;
  const parts: Array<ArrayBuffer | Uint8Array<ArrayBuffer> | string> = [];
  if (source instanceof ArrayBuffer) parts.push(source);
  else if (ArrayBuffer.isView(source)) parts.push(copyOf(source));
  else {
    const chunks = source instanceof ReadableStream ? chunksOf(source) : source;
    if (!(typeof chunks === "object" && chunks !== null && Symbol.asyncIterator in chunks)) {
      throw new TypeError(`an upload takes a Blob, File, bytes or a stream, got ${typeof source}`);
    }
    for await (const chunk of chunks) parts.push(typeof chunk === "string" ? chunk : copyOf(chunk));
  }
  return new Blob(parts, type ? { type } : {});
}

/** The file name to send: the caller's, else the File's own, else a neutral default. */
export function fileNameOf(source: UploadSource, filename?: string): string {
  if (filename) return filename;
  if (source instanceof File && source.name) return source.name;
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
