import { Page } from '../components/Page.tsx';
import { Link } from '../lib/router.tsx';

/** Any other path under /admin. */
export function NotFoundPage() {
  return (
    <Page title="Page not found">
      <p>There is no page at this address.</p>
      <p>
        <Link to="/">Go to the start page</Link>
      </p>
    </Page>
  );
}
