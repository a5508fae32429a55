import Link from "next/link";

const MATCH_ID = /\bmatch ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/i;

/**
 * A failed validation's log as the server wrote it: monospace, every line kept, long lines
 * wrapped inside its box (never widening the table), and a link to the match's replay when the
 * log names a stored match.
 */
export function FailureLog({ log }: { log: string }) {
  const match = MATCH_ID.exec(log)?.[1];
  return (
    <div className="failure-log" data-testid="failure-log">
      <pre>{log}</pre>
      {match && (
        <Link href={`/matches/${match}`} prefetch={false}>
          the match and its replay
        </Link>
      )}
    </div>
  );
}
