import {
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';
import type { BackendConfig } from './backend-config.ts';
import { ProcessTransport } from './process-transport.ts';

/** Process-level options for stdio transports. */
export interface TransportOptions {
  onStderr?: ((line: string) => void) | undefined;
  killGraceMs?: number | undefined;
}

/** Builds the SDK transport a backend's configuration asks for (not yet started). */
export function createTransport(config: BackendConfig, options: TransportOptions = {}): Transport {
  switch (config.transport) {
    case 'stdio':
      return new ProcessTransport({
        command: config.command,
        args: config.args,
        env: config.env,
        cwd: config.cwd,
        onStderr: options.onStderr,
        killGraceMs: options.killGraceMs,
      });
    case 'http':
      return new StreamableHTTPClientTransport(new URL(config.url), {
        requestInit: { headers: config.headers },
      });
    case 'sse':
      return new SSEClientTransport(new URL(config.url), { requestInit: { headers: config.headers } });
  }
}
