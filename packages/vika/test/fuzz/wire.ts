// A raw TCP server that answers every HTTP request with bytes chosen by the test: malformed status lines,
// informational responses, bodies shorter than their Content-Length, broken chunked encoding, resets, silence.
// The real global fetch (undici) reads them, so these cases exercise what a scripted Response cannot express.
import { type AddressInfo, type Server, type Socket, createServer } from "node:net";

/** What to do with one connection once a request's headers have arrived. */
export type WireScript = (socket: Socket, request: { method: string; target: string }) => void;

export interface WireServer {
  readonly url: string;
  /** Sets the script for the next requests. */
  use(script: WireScript): void;
  /** Requests whose headers arrived (whatever became of them). */
  readonly requests: number;
  close(): Promise<void>;
}

export async function startWireServer(): Promise<WireServer> {
  let script: WireScript = (socket) => socket.destroy();
  let requests = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let head = "";
    let answered = false;
    socket.on("data", (chunk: Buffer) => {
      if (answered) return; // The rest of a body: not needed to answer.
      head += chunk.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      // A request line too long to be worth reading (1 MB ids): answer as soon as 64 KiB arrived.
      if (end === -1 && head.length < 65_536) return;
      answered = true;
      requests += 1;
      const [method = "GET", target = "/"] = head.slice(0, head.indexOf("\r\n") === -1 ? 200 : head.indexOf("\r\n")).split(" ");
      script(socket, { method, target });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    use: (next) => {
      script = next;
    },
    get requests() {
      return requests;
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** An HTTP/1.1 response as bytes, closing the connection afterwards unless told otherwise. */
export function rawResponse(statusLine: string, headers: Record<string, string>, body: string | Buffer = ""): Buffer {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const lines = [statusLine, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), bytes]);
}

/** Writes the bytes and ends the connection. */
export const send =
  (bytes: Buffer): WireScript =>
  (socket) => {
    socket.end(bytes);
  };
