import type { FormMessage } from '../components/Notice.tsx';

let pending: FormMessage = null;

/** Leaves a message for the next page (after a navigation such as "user deleted"). */
export function flash(message: FormMessage): void {
  pending = message;
}

/** The message left for this page, once. */
export function takeFlash(): FormMessage {
  const message = pending;
  pending = null;
  return message;
}
