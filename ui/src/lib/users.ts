import { api, path } from '../api/client.ts';
import type { UserView } from '../api/types.ts';

/** Every user, following next_cursor page by page. */
export async function listAllUsers(): Promise<UserView[]> {
  const users: UserView[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 200; page++) {
    const query: string = cursor === null ? '?limit=500' : `?limit=500&cursor=${encodeURIComponent(cursor)}`;
    const answer: { users: UserView[]; next_cursor: string | null } = await api(
      'GET',
      `/auth/email/admin/users${query}`,
    );
    users.push(...answer.users);
    cursor = answer.next_cursor;
    if (cursor === null || cursor === undefined) break;
  }
  return users;
}

/** The admin API path of one user. */
export function userPath(email: string): string {
  return path`/auth/email/admin/users/${email}`;
}

/** The UI path of one user's page. */
export function userPage(email: string): string {
  return path`/users/${email}`;
}
