/**
 * Why a token or user file cannot be used: its YAML, a field, or a clash with the database. The
 * message names the place (`users.alice.password_hash: …`) and never holds a secret.
 */
export class AuthFileError extends Error {
  override name = 'AuthFileError';
}
