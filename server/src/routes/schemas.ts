import { z } from "zod";
import { isStorableText } from "../storable-text.js";

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

/** Free text stored as given (labels, descriptions): refused at the schema when PostgreSQL could not store it. */
export function storableText(max: number) {
  return z
    .string()
    .max(max)
    .refine(isStorableText, "must not contain NUL characters or lone UTF-16 surrogates");
}

export const Description = storableText(2000);
