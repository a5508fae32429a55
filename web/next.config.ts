import type { NextConfig } from "next";

const config: NextConfig = {
  // The site talks to the league server only over HTTP; nothing here reaches the database.
  poweredByHeader: false,
  reactStrictMode: true,
  transpilePackages: ["@league/envs"],
};

export default config;
