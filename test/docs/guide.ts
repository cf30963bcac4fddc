// The password management guide as the doc tests read it: its code blocks, the `gatehouse`
// commands and curl requests it contains, and the passwords its examples use.
import { readFileSync } from 'node:fs';
import { codeBlocks, shellCommands } from './markdown.ts';

export const DOC = readFileSync(
  new URL('../../docs/administration/password-management.md', import.meta.url),
  'utf8',
);
export const BLOCKS = codeBlocks(DOC);
export const API_SECTION = 'API-based password management';

// The passwords the guide's examples use (each must also pass the policy: the flows below prove it).
export const TEMPORARY = 'Temporary-Orchid-Lantern-42';
export const JANE_NEW = 'Seven-Silver-Kites-Over-Dunes';
export const JANE_FIRST = 'Amber-Quartz-Meadow-5150';

export const blocks = (lang: string, where: (b: (typeof BLOCKS)[number]) => boolean = () => true) =>
  BLOCKS.filter((b) => b.lang === lang && where(b));

/** `gatehouse …` invocations inside a shell command: at its start, after `--`, a pipe or `$(`. */
function gatehouseInvocations(command: string): string[] {
  return [...command.matchAll(/(?:^|\$\(|\s--\s|\|\s*)\s*(?:npx\s+)?(gatehouse\s[^|)]*)/g)].map((m) =>
    m[1]!.trim().replace(/\s+/g, ' '),
  );
}

/** Every `gatehouse …` the guide's shell blocks run. */
export const DOC_INVOCATIONS = [
  ...new Set(blocks('sh').flatMap((b) => shellCommands(b.code).flatMap(gatehouseInvocations))),
];

/** A curl request as written: method, path after $GATEHOUSE_URL, JSON body. */
export interface DocRequest {
  method: string;
  path: string;
  body?: unknown;
}

function parseCurl(command: string): DocRequest {
  const method = /\s-X\s+([A-Z]+)/.exec(command)?.[1] ?? 'GET';
  const url = /"\$GATEHOUSE_URL([^"]*)"/.exec(command)?.[1];
  if (url === undefined) throw new Error(`curl without "$GATEHOUSE_URL…": ${command}`);
  const data = /\s-d\s+'([^']*)'/.exec(command)?.[1];
  return data === undefined ? { method, path: url } : { method, path: url, body: JSON.parse(data) };
}

/** The API section's shell blocks that run as one script (not the `export` of the URL, not kubectl). */
export const API_SCRIPT_BLOCKS = blocks(
  'sh',
  (b) => b.h2 === API_SECTION && !b.code.includes('export GATEHOUSE_URL') && !b.code.includes('kubectl'),
);
export const DOC_REQUESTS = API_SCRIPT_BLOCKS.flatMap((b) =>
  shellCommands(b.code).flatMap((command) =>
    command
      .split(/\$\(|\|/)
      .filter((part) => /^\s*curl\s/.test(part))
      .map(parseCurl),
  ),
);
