// The browser session: an HttpOnly cookie the UI never sees, plus the CSRF token the server
// hands out with it. Nothing is kept in localStorage.
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, setCsrfToken, setUnauthorizedHandler } from '../api/client.ts';
import type { SessionView, UserView } from '../api/types.ts';

export type SessionState =
  | { status: 'loading' }
  | { status: 'anonymous'; notice: string | null }
  | { status: 'signed-in'; user: UserView; passwordChangeRequired: boolean; expiresAt: string | null };

/** What logging in led to. */
export type LoginOutcome = 'signed-in' | 'password-change-required';

interface SessionApi {
  state: SessionState;
  login(email: string, password: string): Promise<LoginOutcome>;
  logout(): Promise<void>;
  /** Takes the answer of a session-issuing call (login, password change). */
  accept(view: SessionView, passwordChangeRequired?: boolean): void;
  /** Replaces the signed-in user's view (after an edit of oneself). */
  setUser(user: UserView): void;
}

const SessionContext = createContext<SessionApi | null>(null);

/** The session of the UI; only inside SessionProvider. */
export function useSession(): SessionApi {
  const session = useContext(SessionContext);
  if (session === null) throw new TypeError('useSession outside SessionProvider');
  return session;
}

/** Restores the session from the cookie on load and provides it to the app. */
export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  const accept = useCallback((view: SessionView, passwordChangeRequired = false) => {
    setCsrfToken(view.csrf_token);
    setState({
      status: 'signed-in',
      user: view.user,
      passwordChangeRequired: passwordChangeRequired || view.password_change_required === true,
      expiresAt: view.expires_at ?? null,
    });
  }, []);

  useEffect(() => {
    api<SessionView>('GET', '/auth/session', undefined, { quiet401: true })
      .then((view) => accept(view))
      .catch(() => {
        setCsrfToken(null);
        setState({ status: 'anonymous', notice: null });
      });
  }, [accept]);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setCsrfToken(null);
      setState((previous) =>
        previous.status === 'signed-in'
          ? { status: 'anonymous', notice: 'Your session has ended. Please sign in again.' }
          : previous,
      );
    });
    return () => setUnauthorizedHandler(null);
  }, []);

  const login = useCallback(
    async (email: string, password: string): Promise<LoginOutcome> => {
      try {
        accept(await api<SessionView>('POST', '/auth/session', { email, password }, { quiet401: true }));
        return 'signed-in';
      } catch (error) {
        if (error instanceof ApiError && error.code === 'password_change_required') {
          const body = error.body as unknown as SessionView;
          if (body.user && typeof body.csrf_token === 'string') {
            accept(body, true);
            return 'password-change-required';
          }
        }
        throw error;
      }
    },
    [accept],
  );

  const logout = useCallback(async () => {
    try {
      await api('DELETE', '/auth/session', undefined, { quiet401: true });
    } finally {
      setCsrfToken(null);
      setState({ status: 'anonymous', notice: 'You have signed out.' });
    }
  }, []);

  const setUser = useCallback((user: UserView) => {
    setState((previous) => (previous.status === 'signed-in' ? { ...previous, user } : previous));
  }, []);

  const value = useMemo(
    () => ({ state, login, logout, accept, setUser }),
    [state, login, logout, accept, setUser],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
