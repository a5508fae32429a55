// The embedded database in a worker thread of its own. PGlite is PostgreSQL compiled to
// WebAssembly: every query runs synchronously on the thread that owns it, so on the server's main
// thread each stored match, rating update and scheduler read stalled the HTTP API, the live rooms
// and the feed (issue 19). Here it runs on this thread, and the main thread talks to it over
// PostgreSQL's own wire protocol on a private Unix socket, through `pg` and @prisma/adapter-pg —
// the same client path as a real PostgreSQL server.
//
// The framing (SSLRequest refused with 'N', CancelRequest dropped, startup and typed messages,
// each handed whole to PGlite's `execProtocolRawStream`) follows @electric-sql/pglite-socket's
// PGLiteSocketHandler; that package is not a dependency because it pins one PGlite release and
// seven extensions as peers. PGlite is one session: its clients (client.ts) use one connection at a time.
import { createServer, type Socket } from "node:net";
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";

export interface PgliteThreadData {
  /** PGlite's data directory. */
  dataDir: string;
  /** The Unix socket to listen on. */
  socketPath: string;
}

export type PgliteThreadMessage = { ready: true } | { error: string };

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;

type Message = { kind: "ssl" | "cancel" } | { kind: "message"; bytes: Uint8Array };

/**
 * Splits the buffered bytes into whole protocol messages; returns them, what is left over, and
 * whether the startup message has been seen. Until it has, a message is untyped (SSLRequest,
 * CancelRequest, or the startup message: a length and a code); after it, every message is a type
 * byte and a length.
 */
export function takeMessages(
  buffer: Buffer,
  started = false,
): { messages: Message[]; rest: Buffer; started: boolean } {
  const messages: Message[] = [];
  let at = 0;
  for (;;) {
    const left = buffer.length - at;
    if (!started) {
      if (left < 8) break;
      const length = buffer.readInt32BE(at);
      const code = buffer.readInt32BE(at + 4);
      if (left < length) break;
      if (code === SSL_REQUEST) messages.push({ kind: "ssl" });
      else if (code === CANCEL_REQUEST) messages.push({ kind: "cancel" });
      else {
        if (code !== PROTOCOL_3)
          throw new Error(`unsupported protocol version ${code >> 16}.${code & 0xffff}`);
        messages.push({ kind: "message", bytes: new Uint8Array(buffer.subarray(at, at + length)) });
        started = true;
      }
      at += length;
      continue;
    }
    if (left < 5) break;
    const length = 1 + buffer.readInt32BE(at + 1);
    if (left < length) break;
    messages.push({ kind: "message", bytes: new Uint8Array(buffer.subarray(at, at + length)) });
    at += length;
  }
  return { messages, rest: buffer.subarray(at), started };
}

/** One client connection: its messages run in order, each whole, the answers written back. */
function serve(db: PGlite, socket: Socket): void {
  let buffered = Buffer.alloc(0);
  let started = false;
  let chain: Promise<void> = Promise.resolve();
  socket.on("data", (data) => {
    let taken: ReturnType<typeof takeMessages>;
    try {
      taken = takeMessages(Buffer.concat([buffered, data]), started);
    } catch (error) {
      socket.destroy(error as Error);
      return;
    }
    const { messages, rest } = taken;
    started = taken.started;
    buffered = Buffer.from(rest);
    for (const message of messages)
      chain = chain.then(async () => {
        if (message.kind !== "message") {
          // No TLS on a private socket; a cancel has no backend process to signal.
          if (message.kind === "ssl") socket.write("N");
          return;
        }
        await db.runExclusive(() =>
          db.execProtocolRawStream(message.bytes, {
            // A copy: PGlite reuses the chunk it hands over, and the socket may send it later.
            onRawData: (out) => {
              if (out.length > 0 && socket.writable) socket.write(Buffer.from(out));
            },
          }),
        );
      });
    chain = chain.catch((error: unknown) => {
      socket.destroy(error as Error);
    });
  });
  socket.on("error", () => {});
  // A client gone mid-transaction must not leave the single session inside it.
  socket.on("close", () => {
    chain = chain.then(async () => {
      if (!db.closed && db.isInTransaction()) await db.exec("ROLLBACK");
    });
  });
}

async function main(): Promise<void> {
  const { dataDir, socketPath } = workerData as PgliteThreadData;
  const port = parentPort!;
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir);
  } catch (error) {
    port.postMessage({ error: (error as Error).message } satisfies PgliteThreadMessage);
    return;
  }
  // PGlite is one session: the opener connects once for migrations, then once for its pool of
  // one connection, so clients never overlap.
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    serve(db, socket);
  });
  server.on("error", (error) => port.postMessage({ error: error.message } satisfies PgliteThreadMessage));
  server.listen(socketPath, () => port.postMessage({ ready: true } satisfies PgliteThreadMessage));
  port.on("message", async (message: { close?: true }) => {
    if (!message.close) return;
    // Closing does not wait for clients that never hung up.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
    // Closing flushes PGlite's WAL; skipping it leaves a database that needs recovery.
    if (!db.closed) await db.close();
    port.postMessage({ closed: true });
  });
}

if (parentPort) await main();
