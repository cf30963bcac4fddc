// The documentation hangs together: docs/README.md lists every page, and every relative link in
// docs/**/*.md leads to a file that exists (and, from the pages these tests own, to a heading that exists).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { headingAnchors, links } from './markdown.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCS = join(ROOT, 'docs');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

const PAGES = markdownFiles(DOCS).sort();
// Pages whose anchors are checked too: the ones written with these tests.
const ANCHORS_CHECKED = new Set([
  'README.md',
  'administration/password-management.md',
  'authentication.md',
  'user-management.md',
  'scaling.md',
]);

/** Splits a link target into the file path it names (relative to `from`) and its anchor. */
function resolveTarget(from: string, target: string): { file: string; anchor: string | null } {
  const [path, anchor] = target.split('#', 2) as [string, string | undefined];
  return { file: path === '' ? from : resolve(dirname(from), decodeURI(path)), anchor: anchor ?? null };
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

describe('the documentation', () => {
  it('has a navigation file, docs/README.md, that lists every page under docs/', () => {
    const readme = join(DOCS, 'README.md');
    const listed = new Set(
      links(readFileSync(readme, 'utf8'))
        .filter((link) => !isExternal(link.target))
        .map((link) => resolveTarget(readme, link.target).file),
    );
    const missing = PAGES.filter((page) => page !== readme && !listed.has(page)).map((page) =>
      relative(DOCS, page),
    );
    expect(missing, 'pages docs/README.md does not list').toEqual([]);
  });

  it.each(PAGES.map((page) => [relative(DOCS, page), page]))(
    '%s links only to files that exist',
    (name, page) => {
      const text = readFileSync(page, 'utf8');
      const broken: string[] = [];
      for (const link of links(text)) {
        if (isExternal(link.target)) continue;
        const { file, anchor } = resolveTarget(page, link.target);
        if (!existsSync(file)) {
          broken.push(`line ${link.line}: ${link.target} (no file)`);
          continue;
        }
        if (anchor !== null && ANCHORS_CHECKED.has(name) && file.endsWith('.md')) {
          if (!headingAnchors(readFileSync(file, 'utf8')).has(anchor))
            broken.push(`line ${link.line}: ${link.target} (no heading #${anchor})`);
        }
      }
      expect(broken).toEqual([]);
    },
  );
});
