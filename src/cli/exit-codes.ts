/** Exit codes of the `gatehouse` command (documented in docs/cli.md). */
export const EXIT = Object.freeze({
  /** Done. */
  ok: 0,
  /** A runtime failure: database unreachable, migration failed, port in use, unclean shutdown. */
  failure: 1,
  /** Invalid settings or command-line usage. */
  usage: 2,
});
