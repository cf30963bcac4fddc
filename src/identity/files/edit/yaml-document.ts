import { readFile } from 'node:fs/promises';
import { type Document, isMap, parseDocument, YAMLMap } from 'yaml';
import { AuthFileError } from '../auth-file-error.ts';
import { withFileLock, writeFileAtomic } from './atomic-write.ts';

/** The text of `path`, or '' when it does not exist yet. */
export async function readOrEmpty(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new AuthFileError(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The `rootKey` mapping of `doc`, created when absent or null. */
export function section(doc: Document, rootKey: string): YAMLMap {
  const existing = doc.get(rootKey, true);
  if (isMap(existing)) return existing;
  const created = new YAMLMap();
  doc.set(rootKey, created);
  return created;
}

/**
 * Edits a token or user file in place, keeping its comments and layout: parses it (refusing a file
 * that does not parse, so nothing is lost), lets `edit` change the document, checks the result
 * with `validate`, and writes it atomically under the file lock. Returns what `edit` returns.
 */
export function editYamlFile<T>(
  path: string,
  validate: (text: string) => unknown,
  edit: (doc: Document) => T,
): Promise<T> {
  return withFileLock(path, async () => {
    const text = await readOrEmpty(path);
    validate(text);
    const doc = parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length > 0) throw new AuthFileError(`invalid YAML: ${doc.errors[0]?.message ?? ''}`);
    const result = edit(doc);
    const next = doc.toString();
    validate(next);
    await writeFileAtomic(path, next);
    return result;
  });
}
