import { connect } from 'node:net';

/** What the server did to a raw connection. */
export interface RawExchange {
  /** Everything the server sent. */
  response: string;
  /** True when the server ended the connection before the client had sent every chunk. */
  cutOff: boolean;
  /** How many of the chunks the client wrote before the connection ended. */
  chunksSent: number;
}

/**
 * Opens a TCP connection to `url`'s host and port and writes `chunks` one by one, `gapMs` apart
 * (the first at once), like a slow client. Resolves once the server closes the connection, or
 * `lingerMs` after the last chunk if it does not.
 */
export function rawExchange(
  url: string,
  chunks: readonly string[],
  options: { gapMs?: number; lingerMs?: number } = {},
): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  const gapMs = options.gapMs ?? 0;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let response = '';
    let sent = 0;
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => {
      response += data;
    });
    // A reset after the server's answer still counts as the server closing.
    socket.on('error', () => undefined);
    socket.once('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve({ response, cutOff: sent < chunks.length, chunksSent: sent });
    });
    const writeNext = () => {
      if (closed) return;
      if (sent === chunks.length) {
        timer = setTimeout(() => socket.destroy(), options.lingerMs ?? 2000);
        return;
      }
      socket.write(chunks[sent]!);
      sent += 1;
      timer = setTimeout(writeNext, gapMs);
    };
    socket.once('connect', writeNext);
    socket.once('error', (error) => {
      if (!closed && sent === 0) reject(error);
    });
  });
}

/** The status code of the first HTTP response in `response`, or null when there is none. */
export function statusOf(response: string): number | null {
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(response);
  return match ? Number(match[1]) : null;
}
