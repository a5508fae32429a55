import type { DatabaseKind } from "../src/client.js";
import { probePostgres } from "../src/testing.js";

const postgres = await probePostgres();

/** The backends every database test runs on: PGlite always, PostgreSQL when it answers (always in CI). */
export const BACKENDS: { kind: DatabaseKind; skip: boolean }[] = [
  { kind: "pglite", skip: false },
  { kind: "postgres", skip: !postgres.available },
];
