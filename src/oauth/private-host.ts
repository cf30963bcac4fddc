import { isIP } from 'node:net';

/**
 * True when a host name is obviously not public: localhost names, IP literals in loopback,
 * private, link-local, CGNAT, unique-local or unspecified ranges. Connection-time checks of the
 * resolved address (oidc-provider's SSRF-protected dispatcher) catch names that resolve there.
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local')) return true;
  const family = isIP(host);
  if (family === 4) {
    const [a = 0, b = 0] = host.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      a >= 224
    );
  }
  if (family === 6) {
    if (host === '::' || host === '::1') return true;
    if (host.startsWith('::ffff:')) {
      const mapped = host.slice(7);
      if (mapped.includes('.')) return isPrivateHost(mapped);
      const [high = 0, low = 0] = mapped.split(':').map((group) => Number.parseInt(group, 16));
      return isPrivateHost(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
    }
    return /^(f[cd]|fe[89ab])/.test(host);
  }
  return false;
}
