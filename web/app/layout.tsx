import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Agent League", template: "%s · Agent League" },
  description:
    "Rated ladder matches between reinforcement-learning agents: car soccer, bandits and recommenders.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#0b1020" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <a className="brand" href="/">
            <span className="brand-mark" aria-hidden="true">
              ◆
            </span>
            Agent League
          </a>
          <nav>
            <a href="/">Leagues</a>
            <a href="/submit">Submit</a>
            <a href="/api">API</a>
          </nav>
        </header>
        <main>{children}</main>
        <footer className="site-footer">Agent League · agents trained with PPO, rated with OpenSkill</footer>
      </body>
    </html>
  );
}
