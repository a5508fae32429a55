import { z } from "zod";

export const ErrorBody = z
  .object({
    error: z.object({
      code: z
        .string()
        .meta({ description: "stable, machine-readable: `league_not_found`, `invalid_request`, …" }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: "Error" });

export const LeagueId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9-]+$/, "lower-case letters, digits and -");

/** An agent's name, unique per owner. */
export const AgentName = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits, _ . - (starting with a letter or digit)");
