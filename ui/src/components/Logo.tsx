/** The Gatehouse mark: a gate with a keyhole. Decorative; the name is always written next to it. */
export function Logo() {
  return (
    <svg class="logo" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false">
      <rect x="3" y="6" width="26" height="4" rx="1" fill="currentColor" />
      <rect x="6" y="10" width="4" height="18" fill="currentColor" />
      <rect x="22" y="10" width="4" height="18" fill="currentColor" />
      <circle cx="16" cy="17" r="3" fill="currentColor" />
      <rect x="15" y="18" width="2" height="6" fill="currentColor" />
    </svg>
  );
}
