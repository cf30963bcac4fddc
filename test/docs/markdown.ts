// Small, strict readers of the markdown in docs/: fenced code blocks with the headings they sit
// under, SQL statements, shell commands, links and GitHub heading anchors. The doc tests take
// their commands from the documents through these, so a document cannot drift from what is tested.

/** A fenced code block: its language, its text (fence indentation removed) and where it sits. */
export interface CodeBlock {
  lang: string;
  code: string;
  /** The level-2 and level-3 headings above the block (`''` when none). */
  h2: string;
  h3: string;
  /** 1-based line of the opening fence. */
  line: number;
}

const FENCE = /^( *)(`{3,}|~{3,})\s*([\w-]*)\s*$/;

/** Every fenced code block of `markdown`, in order. Throws TypeError on an unclosed fence. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let h2 = '';
  let h3 = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const open = FENCE.exec(line);
    if (open) {
      const indent = open[1]!.length;
      const fence = open[2]!;
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length; j++) {
        const close = FENCE.exec(lines[j]!);
        if (close && close[2]!.startsWith(fence[0]!) && close[2]!.length >= fence.length && !close[3]) break;
        body.push(lines[j]!.slice(Math.min(indent, lines[j]!.length - lines[j]!.trimStart().length)));
      }
      if (j === lines.length) throw new TypeError(`unclosed code fence at line ${i + 1}`);
      blocks.push({ lang: open[3]!, code: body.join('\n'), h2, h3, line: i + 1 });
      i = j;
      continue;
    }
    const heading = /^(#{2,3}) (.*)$/.exec(line);
    if (heading?.[1] === '##') {
      h2 = heading[2]!.trim();
      h3 = '';
    } else if (heading) h3 = heading[2]!.trim();
  }
  return blocks;
}

/** `markdown` with fenced code blocks and inline code spans blanked out (for link scanning). */
export function proseOf(markdown: string): string {
  const lines = markdown.split('\n');
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of lines) {
    const match = FENCE.exec(line);
    if (fence === null && match) fence = match[2]!;
    else if (fence !== null && match && match[2]!.startsWith(fence[0]!) && !match[3]) fence = null;
    else if (fence === null) {
      out.push(line.replace(/`[^`]*`/g, ''));
      continue;
    }
    out.push('');
  }
  return out.join('\n');
}

/** The inline code spans of `markdown` outside fenced blocks. */
export function inlineCode(markdown: string): string[] {
  const spans: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const match = FENCE.exec(line);
    if (fence === null && match) {
      fence = match[2]!;
      continue;
    }
    if (fence !== null) {
      if (match && match[2]!.startsWith(fence[0]!) && !match[3]) fence = null;
      continue;
    }
    for (const span of line.matchAll(/`([^`]+)`/g)) spans.push(span[1]!);
  }
  return spans;
}

/** The statements of a SQL block: `--` comments dropped, split at `;`, whitespace collapsed. */
export function sqlStatements(code: string): string[] {
  return code
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(';')
    .map((statement) => statement.replace(/\s+/g, ' ').trim())
    .filter((statement) => statement !== '');
}

/** Drops a trailing `# comment` that is outside quotes. */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quote !== null) {
      if (char === quote) quote = null;
      else if (char === '\\' && quote === '"') i++;
    } else if (char === "'" || char === '"') quote = char;
    else if (char === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i).trimEnd();
  }
  return line;
}

/** The commands of a shell block: continuation lines joined, comments and blank lines dropped. */
export function shellCommands(code: string): string[] {
  const commands: string[] = [];
  let pending = '';
  for (const raw of code.split('\n')) {
    const line = stripComment(raw);
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const command = (pending + line.trim()).trim();
    pending = '';
    if (command !== '') commands.push(command);
  }
  if (pending.trim() !== '') commands.push(pending.trim());
  return commands;
}

/** A link or image target of the prose, with the line it is on. */
export interface Link {
  target: string;
  line: number;
}

/** Every `[text](target)` and `![alt](target)` target outside code. */
export function links(markdown: string): Link[] {
  const found: Link[] = [];
  proseOf(markdown)
    .split('\n')
    .forEach((line, index) => {
      for (const match of line.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g))
        found.push({ target: match[1]!, line: index + 1 });
    });
  return found;
}

/** The anchors GitHub gives the headings of `markdown` (duplicates get -1, -2, …). */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseOfKeepingCode(markdown).split('\n')) {
    const heading = /^#{1,6} (.*)$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

// Headings keep their inline code text (GitHub slugs it without the backticks).
function proseOfKeepingCode(markdown: string): string {
  const lines = markdown.split('\n');
  let fence: string | null = null;
  return lines
    .map((line) => {
      const match = FENCE.exec(line);
      if (fence === null && match) {
        fence = match[2]!;
        return '';
      }
      if (fence !== null) {
        if (match && match[2]!.startsWith(fence[0]!) && !match[3]) fence = null;
        return '';
      }
      return line;
    })
    .join('\n');
}
