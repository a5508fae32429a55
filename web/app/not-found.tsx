import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Not found" };

/** Any address the league has nothing at: an unknown page, or an id no league, agent or match has. */
export default function NotFound() {
  return (
    <section className="hero not-found" data-testid="not-found">
      <p className="crumbs">
        <Link href="/">Leagues</Link> / not found
      </p>
      <h1>Nothing here</h1>
      <p>
        No league, agent, owner or match goes by this address: the link may be mistyped, or what it named was
        never in this league.
      </p>
      <p>
        <Link href="/">See the leagues</Link> · <Link href="/submit">Submit an agent</Link> ·{" "}
        <Link href="/api">Read the API</Link>
      </p>
    </section>
  );
}
