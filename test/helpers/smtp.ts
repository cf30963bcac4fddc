import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './ports.ts';

/** A real SMTP server on 127.0.0.1 that keeps every message it accepts. */
export interface TestSmtpServer {
  port: number;
  /** Every accepted message, parsed, in arrival order. */
  messages: ParsedMail[];
  /** The SMTP envelope of each accepted message, in the same order. */
  envelopes: { from: string; to: string[] }[];
  /** Whether each accepted message came over TLS (implicit or STARTTLS), in the same order. */
  encrypted: boolean[];
  /** Resolves once `count` messages have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  /** Stops listening and closes connections; idempotent. */
  stop(): Promise<void>;
}

/** What startSmtpServer serves: implicit TLS (`secure`), STARTTLS, and the certificate for either. */
export interface SmtpServerOptions {
  secure?: boolean;
  starttls?: boolean;
  key?: string;
  cert?: string;
  /** Listen on this port (to bring a server "back" where clients expect it); else a free one. */
  port?: number;
}

async function readStream(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Starts an SMTP server that needs no authentication. STARTTLS is offered only with
 * `starttls: true`; without `key`/`cert`, smtp-server's own built-in certificate is used.
 */
export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const port = options.port ?? (await freePort());
  const messages: ParsedMail[] = [];
  const envelopes: { from: string; to: string[] }[] = [];
  const encrypted: boolean[] = [];
  const server = new SMTPServer({
    secure: options.secure ?? false,
    authOptional: true,
    disabledCommands: options.starttls ? [] : ['STARTTLS'],
    logger: false,
    closeTimeout: 500,
    ...(options.key && options.cert ? { key: options.key, cert: options.cert } : {}),
    onData(stream, session, callback) {
      readStream(stream)
        .then((raw) => simpleParser(raw))
        .then((parsed) => {
          const { mailFrom, rcptTo } = session.envelope;
          // Recorded before the reply, so a send that resolved has been recorded.
          envelopes.push({ from: mailFrom ? mailFrom.address : '', to: rcptTo.map((r) => r.address) });
          encrypted.push(session.secure);
          messages.push(parsed);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A client that gives up mid-handshake (a refused certificate) is not a test failure.
  server.on('error', () => {});
  let stopping: Promise<void> | undefined;
  return {
    port,
    messages,
    envelopes,
    encrypted,
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`SMTP server got ${messages.length} of ${count} messages`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop() {
      stopping ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return stopping;
    },
  };
}

/** A self-signed certificate for 127.0.0.1 and localhost, valid one day; `certPath` is its PEM file. */
export function makeSelfSignedCert(): { key: string; cert: string; certPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-smtp-cert-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    '/usr/bin/openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), certPath };
}
