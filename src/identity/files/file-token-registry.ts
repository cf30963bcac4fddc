import type { FileToken } from './token-file.ts';

/** The tokens of AUTH_TOKEN_FILE in memory, replaced as a whole on every reload. */
export interface FileTokenRegistry {
  /** Swaps in a new set at once: a lookup sees the old set or the new one, never a mix. */
  replace(tokens: readonly FileToken[]): void;
  /** The token whose SHA-256 is `hash`, if any. */
  find(hash: string): FileToken | undefined;
  /** The number of tokens loaded (0 when no file is configured). */
  readonly size: number;
}

/** An empty registry. */
export function createFileTokenRegistry(): FileTokenRegistry {
  let byHash = new Map<string, FileToken>();
  return {
    replace(tokens) {
      byHash = new Map(tokens.map((token) => [token.hash, Object.freeze({ ...token })]));
    },
    find: (hash) => byHash.get(hash),
    get size() {
      return byHash.size;
    },
  };
}
