// Runs the snippets of a documentation page as a reader would, and compares what they print with
// the output the page shows. A page shows the output of an `sh` or `ts` block in a `text` block
// that comes right after it; `…` in a shown line stands for any text, and a line that is only `…`
// for any number of lines. Shown output starting with `HTTP/` (from `curl -i`) may leave lines out.
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.ts';
import { type CodeBlock, codeBlocks } from './markdown.ts';
import { gatehouseShimDir, runProgram } from './support.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The address the pages' examples use; the tests replace it with the server's. */
export const DOC_BASE_URL = 'http://127.0.0.1:4444';

/** A page of docs/: its text and its fenced code blocks. */
export interface DocPage {
  name: string;
  text: string;
  blocks: CodeBlock[];
}

/** Reads `docs/<name>`. */
export function loadPage(name: string): DocPage {
  const text = readFileSync(join(ROOT, 'docs', name), 'utf8');
  return { name, text, blocks: codeBlocks(text) };
}

/** The `text` block that shows what `block` prints: the page's next block, when it is one. */
export function shownOutput(page: DocPage, block: CodeBlock): CodeBlock | undefined {
  const next = page.blocks[page.blocks.indexOf(block) + 1];
  return next?.lang === 'text' ? next : undefined;
}

function linePattern(line: string): RegExp {
  const parts = line.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

function matchesFrom(shown: RegExp[], actual: string[], i: number, j: number, gaps: boolean): boolean {
  if (i === shown.length) return gaps || j === actual.length;
  if (shown[i]!.source === '^.*$') {
    for (let k = j; k <= actual.length; k++) if (matchesFrom(shown, actual, i + 1, k, gaps)) return true;
    return false;
  }
  for (let k = j; k < actual.length; k++) {
    if (shown[i]!.test(actual[k]!) && matchesFrom(shown, actual, i + 1, k + 1, gaps)) return true;
    if (!gaps) return false;
  }
  return false;
}

/**
 * Whether `actual` output is what `shown` shows: line by line, `…` matching any text (a lone `…`,
 * any lines), blank lines and trailing spaces ignored, `DOC_BASE_URL` standing for `baseUrl`.
 */
export function showsOutput(shown: string, actual: string, baseUrl: string): boolean {
  const lines = (text: string) =>
    text
      .replaceAll('\r', '')
      .split('\n')
      .map((line) => line.trimEnd())
      .filter((line) => line !== '');
  const expected = lines(shown.replaceAll(DOC_BASE_URL, baseUrl)).map(linePattern);
  const gaps = lines(shown)[0]?.startsWith('HTTP/') ?? false;
  return matchesFrom(expected, lines(actual), 0, 0, gaps);
}

/** What running shell blocks left: exit code, stderr, and each block's stdout by its line. */
export interface ShellRun {
  code: number | null;
  stderr: string;
  output: Map<number, string>;
}

/**
 * Runs `blocks` in order as one bash script (`set -euo pipefail`), in a fresh directory, with
 * `gatehouse` on the PATH (this checkout) and `env` (e.g. GATEHOUSE_URL, DATABASE_URL).
 */
export async function runShellBlocks(
  blocks: CodeBlock[],
  env: Record<string, string>,
  options: { errexit?: boolean } = {},
): Promise<ShellRun> {
  const marker = (line: number) => `@@doc-block ${line}@@`;
  const script = [
    options.errexit === false ? 'set -uo pipefail' : 'set -euo pipefail',
    ...blocks.flatMap((b) => [`printf '\\n%s\\n' '${marker(b.line)}'`, b.code]),
  ].join('\n');
  const shim = gatehouseShimDir();
  const cwd = mkdtempSync(join(tmpdir(), 'gatehouse-doc-sh-'));
  try {
    const result = await runProgram('bash', ['-c', script], env, {
      cwd,
      path: `${shim}:${process.env.PATH}`,
      timeoutMs: 90_000,
    });
    const output = new Map<number, string>();
    const parts = result.stdout.split(/\n@@doc-block (\d+)@@\n/);
    for (let i = 1; i < parts.length; i += 2) output.set(Number(parts[i]), parts[i + 1] ?? '');
    return { code: result.code, stderr: result.stderr, output };
  } finally {
    rmSync(shim, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  }
}

/**
 * Runs a TypeScript block as the page says to: saved to a file in a project that has this
 * checkout's packages (so `@modelcontextprotocol/client` resolves), run with Node.
 */
export async function runTypeScriptBlock(
  block: CodeBlock,
  fileName: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-doc-ts-'));
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
    writeFileSync(join(dir, fileName), block.code);
    return await runProgram(process.execPath, [join(dir, fileName)], env);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A failure message showing what a block printed next to what the page shows. */
export function outputMismatch(page: DocPage, block: CodeBlock, actual: string): string {
  const shown = shownOutput(page, block)?.code ?? '';
  return `docs/${page.name} line ${block.line} prints:\n${actual}\nbut the page shows:\n${shown}`;
}

const TOP_LEVEL_COMMANDS = [
  'serve',
  'stdio',
  'config',
  'db',
  'users',
  'hash-password',
  'jwt',
  'tokens',
  'oauth',
  'recover-admin',
];

/** The `gatehouse …` commands named in `texts` (inline code spans, shell commands). */
export function gatehouseCommands(texts: string[]): string[] {
  const commands = new Set<string>();
  for (const text of texts)
    for (const match of text.matchAll(/(?:^|\s)gatehouse\s+([a-z][\w-]*)((?:\s+[^\s|)]+)*)/g))
      if (TOP_LEVEL_COMMANDS.includes(match[1]!)) commands.add(`${match[1]}${match[2]}`.trim());
  return [...commands];
}

/**
 * The options of `command` that its `--help` does not list (empty when every option exists).
 * `help(path)` returns the help text of the subcommand `path` (e.g. ['users', 'add']).
 */
export async function unknownOptions(
  command: string,
  help: (path: string[]) => Promise<string>,
): Promise<string[]> {
  // `[--admin\|--no-admin]` in a table cell: each alternative on its own.
  const words = command.replace(/\\?\|/g, ' ').replace(/[[\]]/g, ' ').trim().split(/\s+/);
  const path = [words[0]!];
  for (const word of words.slice(1)) {
    if (!/^[a-z][a-z-]*$/.test(word)) break;
    if (!new RegExp(`^  ${word}\\b`, 'm').test(await help(path))) break;
    path.push(word);
  }
  const text = await help(path);
  return words.filter((w) => w.startsWith('--')).filter((option) => !text.includes(option.split('=')[0]!));
}

/** `gatehouse <path…> --help`, each run once; throws when the command does not exist. */
export function cliHelp(): (path: string[]) => Promise<string> {
  const helps = new Map<string, Promise<string>>();
  return (path) => {
    const key = path.join(' ');
    if (!helps.has(key))
      helps.set(
        key,
        runCli([...path, '--help']).then((result) => {
          if (result.code !== 0) throw new Error(`gatehouse ${key} --help exited ${result.code}`);
          return result.stdout;
        }),
      );
    return helps.get(key)!;
  };
}

/**
 * The settings `text` quotes with a default in parentheses (`` `NAME` (30) ``) whose default in
 * docs/configuration.md is another: `NAME: quoted, configured` for each (empty when all agree).
 */
export function wrongDefaults(text: string): string[] {
  const configuration = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
  const defaults = new Map(
    [...configuration.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()]),
  );
  return [...text.matchAll(/`([A-Z][A-Z0-9_]+)` \((\d+)(?: KiB)?\)/g)]
    .filter(([, name, value]) => defaults.get(name!) !== `\`${value}\``)
    .map(([, name, value]) => `${name}: ${value}, ${defaults.get(name!) ?? 'not a setting'}`);
}
