import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { UserView } from '../api/types.ts';
import { Logo } from './Logo.tsx';
import { Link, navigate } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';

interface NavItem {
  to: string;
  label: string;
  admin: boolean;
}

const NAV: NavItem[] = [
  { to: '/', label: 'Overview', admin: true },
  { to: '/users', label: 'Users', admin: true },
  { to: '/backends', label: 'Backends', admin: true },
  { to: '/audit', label: 'Audit log', admin: true },
  { to: '/oauth', label: 'OAuth', admin: true },
  { to: '/keys', label: 'API keys', admin: false },
  { to: '/profile', label: 'Profile', admin: false },
];

function isCurrent(item: string, path: string): boolean {
  return item === '/' ? path === '/' : path === item || path.startsWith(`${item}/`);
}

/** The signed-in shell: skip link, header with navigation and sign-out, and the main region. */
export function Layout(props: { user: UserView; path: string; children: ComponentChildren }) {
  const { logout } = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  const items = NAV.filter((item) => props.user.is_admin || !item.admin);
  const signOut = async () => {
    await logout();
    navigate('/login');
  };
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link to={props.user.is_admin ? '/' : '/profile'} class="brand">
          <Logo />
          Gatehouse
        </Link>
        <button
          type="button"
          class="button menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="site-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <nav id="site-nav" class={`site-nav ${menuOpen ? 'open' : ''}`} aria-label="Main">
          <ul>
            {items.map((item) => (
              <li key={item.to}>
                <Link
                  to={item.to}
                  aria-current={isCurrent(item.to, props.path) ? 'page' : undefined}
                  onClick={() => setMenuOpen(false)}
                >
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="account">
          <span class="account-name" title={props.user.email}>
            {props.user.full_name || props.user.email}
          </span>
          <button type="button" class="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" class="content">
        {props.children}
      </main>
    </div>
  );
}

/** The shell of the signed-out pages (login, password recovery). */
export function PublicLayout(props: { children: ComponentChildren }) {
  return (
    <div class="public">
      <main id="main" class="public-card">
        <p class="brand public-brand">
          <Logo />
          Gatehouse
        </p>
        {props.children}
      </main>
    </div>
  );
}
