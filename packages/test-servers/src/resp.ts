import { connect } from 'node:net';

/** A decoded RESP2 reply. Errors are returned as `RespError` values, not thrown. */
export type RespReply = string | number | null | RespError | RespReply[];

/** An error reply from the server (`-ERR …`). */
export class RespError {
  constructor(readonly message: string) {}
}

interface Parsed {
  value: RespReply;
  end: number;
}

function parseAt(buffer: Buffer, start: number): Parsed | undefined {
  const lineEnd = buffer.indexOf('\r\n', start);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[start]!);
  const line = buffer.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new RespError(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespReply[] = [];
      let position = next;
      for (let index = 0; index < count; index++) {
        const item = parseAt(buffer, position);
        if (item === undefined) return undefined;
        items.push(item.value);
        position = item.end;
      }
      return { value: items, end: position };
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}

function encodeCommand(args: readonly string[]): string {
  let text = `*${args.length}\r\n`;
  for (const arg of args) text += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return text;
}

/**
 * Sends one command to a Redis (or Sentinel) server over a fresh connection and returns the reply.
 * A tiny RESP2 client so the launchers need no Redis client library.
 *
 * @throws Error on connection failure, when the server closes the connection before replying, or
 *   when no reply arrives within `timeoutMs`.
 */
export function redisCommand(
  host: string,
  port: number,
  args: readonly string[],
  timeoutMs = 2000,
): Promise<RespReply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buffer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply from ${host}:${port} to ${args[0]} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(encodeCommand(args)));
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      let parsed: Parsed | undefined;
      try {
        parsed = parseAt(buffer, 0);
      } catch (error) {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
        return;
      }
      if (parsed === undefined) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(parsed.value);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
    // The server may close the connection without replying (CLIENT KILL during a failover, a
    // shutdown): fail now instead of waiting for the timer. After a reply this is a no-op.
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`${host}:${port} closed the connection before replying to ${args[0]}`));
    });
  });
}
