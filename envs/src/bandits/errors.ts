/** A bandit or recommender parameter is out of range; the message names the parameter and the value. */
export class BanditConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BanditConfigError";
  }
}

/** An action that is not a legal arm (or slate) for the environment it was given to. */
export class BanditActionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BanditActionError";
  }
}

/** Throws `BanditConfigError: <name> must be <rule>, got <value>` unless `ok`. */
export function check(ok: boolean, name: string, rule: string, value: unknown): void {
  if (!ok) throw new BanditConfigError(`${name} must be ${rule}, got ${formatValue(value)}`);
}

function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

export function isInt(x: unknown, min: number, max = Number.MAX_SAFE_INTEGER): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= min && x <= max;
}
