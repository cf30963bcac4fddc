// A small history-API router: the server answers every /admin/* path with index.html.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** Where the UI is mounted. */
export const BASE = '/admin';

export interface Location {
  /** The path inside the UI, starting with `/` (`/users/a%40b.c`). */
  path: string;
  search: URLSearchParams;
}

const listeners = new Set<() => void>();

function current(): Location {
  const full = window.location.pathname;
  const inner = full === BASE ? '/' : full.startsWith(`${BASE}/`) ? full.slice(BASE.length) : full;
  return { path: inner === '' ? '/' : inner, search: new URLSearchParams(window.location.search) };
}

window.addEventListener('popstate', () => listeners.forEach((listener) => listener()));

/** The full URL path of a UI path. */
export function href(to: string): string {
  return to === '/' ? BASE : `${BASE}${to}`;
}

/** Goes to `to` (a UI path such as `/users`), adding a history entry unless `replace`. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = href(to);
  if (url === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  listeners.forEach((listener) => listener());
}

/** The current location; re-renders the caller when it changes. */
export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const listener = () => setLocation(current());
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return location;
}

/** The decoded parameters when `path` matches `pattern` (`/users/:email`), else null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const have = path.split('/');
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const h = have[i]!;
    if (w.startsWith(':')) {
      if (h === '') return null;
      try {
        params[w.slice(1)] = decodeURIComponent(h);
      } catch {
        return null;
      }
    } else if (w !== h) return null;
  }
  return params;
}

interface AnchorProps {
  to: string;
  children: ComponentChildren;
  class?: string;
  'aria-current'?: 'page';
  'aria-label'?: string;
  onClick?: () => void;
}

/** An anchor that navigates inside the UI without a page load (modified clicks open normally). */
export function Link({ to, children, onClick: after, ...rest }: AnchorProps) {
  const onClick = (event: MouseEvent) => {
    after?.();
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a {...rest} href={href(to)} onClick={onClick}>
      {children}
    </a>
  );
}
