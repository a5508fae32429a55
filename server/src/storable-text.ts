// PostgreSQL refuses two things in text and jsonb that JavaScript strings may hold: the NUL
// character, and half of a UTF-16 surrogate pair (invalid UTF-8). Input holding either is refused
// with a 4xx where it arrives, rather than failing the insert with a 500.

/** A lone surrogate: with the `u` flag, a well-formed pair is one code point and does not match. */
const LONE_SURROGATE = /\p{Cs}/u;

export function isStorableText(text: string): boolean {
  return !text.includes("\0") && !LONE_SURROGATE.test(text);
}
