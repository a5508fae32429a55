// Used only by the Prisma CLI to generate the client and new migrations, on an in-memory PGlite
// through the bundled WebAssembly schema engine (no native engine download). The running platform
// applies committed migrations with its own runner: see src/migrate.ts.
import { PGlite } from "@electric-sql/pglite";
import { defineConfig } from "prisma/config";
import { pgliteAdapter } from "./src/pglite-adapter.js";

// The CLI refuses to read a schema whose env("DATABASE_URL") is unset and then falls back to
// downloading a native query engine; the value is never connected to (the adapter below is).
process.env.DATABASE_URL ??= "postgresql://unused@127.0.0.1/unused";

export default defineConfig({
  schema: "schema.prisma",
  migrations: { path: "migrations" },
  engine: "js",
  experimental: { adapter: true },
  adapter: async () => pgliteAdapter(new PGlite()),
});
