// Small inline icons: drawn here so the page needs no font or file from anywhere else.

export function BallIcon() {
  return (
    <svg viewBox="0 0 32 32" width="32" height="32" aria-hidden="true">
      <circle cx="16" cy="16" r="13" fill="#e7ebf7" stroke="#3d8bfd" strokeWidth="2" />
      <path d="M16 9.5l5.2 3.8-2 6.1h-6.4l-2-6.1z" fill="#0b1020" />
      <path
        d="M16 3v6.5M21.2 13.3l6-2M19.2 19.4l3.8 5.3M12.8 19.4L9 24.7M10.8 13.3l-6-2"
        stroke="#0b1020"
        strokeWidth="1.6"
      />
    </svg>
  );
}

export function BanditIcon() {
  return (
    <svg viewBox="0 0 32 32" width="32" height="32" aria-hidden="true">
      <rect x="3" y="6" width="22" height="20" rx="3" fill="#141b33" stroke="#ff8a3d" strokeWidth="2" />
      <rect x="6" y="18" width="4" height="5" fill="#ff8a3d" />
      <rect x="12" y="12" width="4" height="11" fill="#ffb37d" />
      <rect x="18" y="15" width="4" height="8" fill="#ff8a3d" />
      <path d="M25 12h3v-6" stroke="#e7ebf7" strokeWidth="2" fill="none" />
      <circle cx="28" cy="5" r="2.2" fill="#ff5d6c" />
    </svg>
  );
}

export function SlateIcon() {
  return (
    <svg viewBox="0 0 32 32" width="32" height="32" aria-hidden="true">
      <rect x="9" y="4" width="18" height="22" rx="2.5" fill="#1a2550" stroke="#9aa5c4" strokeWidth="1.5" />
      <rect x="5" y="7" width="18" height="22" rx="2.5" fill="#141b33" stroke="#3d8bfd" strokeWidth="2" />
      <path d="M9 13h10M9 18h10M9 23h6" stroke="#e7ebf7" strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}
