// The one-way arrows inside the server (DESIGN.md): rooms -> match and storage; league -> match
// and storage; the match core and storage import neither rooms nor the league, and nothing but
// rooms imports Colyseus's server. main.ts wires rooms and league together.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(import.meta.dirname, "../src");

/** Every module specifier a file imports or re-exports (static and dynamic). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/g))
    specifiers.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) specifiers.push(m[1]!);
  return specifiers;
}

/** The files of a folder of src, recursively, with what each imports. */
function folder(name: string): { file: string; imports: string[] }[] {
  const dir = path.join(SRC, name);
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.(ts|mts)$/.test(f))
    .map((f) => ({ file: `${name}/${f}`, imports: importsOf(path.join(dir, f)) }));
}

/** `file`'s imports that resolve into one of the src folders in `folders`. */
function into(file: string, imports: string[], folders: string[]): string[] {
  return imports.filter((spec) => {
    if (!spec.startsWith(".")) return false;
    const target = path.relative(SRC, path.resolve(path.dirname(path.join(SRC, file)), spec));
    return folders.some((f) => target === f || target.startsWith(`${f}/`));
  });
}

const COLYSEUS = /^(@colyseus\/|colyseus(\.js)?$)/;

describe("server layering", () => {
  it("finds the files it checks", () => {
    for (const name of ["league", "match", "storage", "rooms"])
      expect(folder(name).length).toBeGreaterThan(0);
    expect(importsOf(path.join(SRC, "rooms/live.ts"))).toContain("@colyseus/core");
  });

  it.each([
    ["league", ["rooms"]],
    ["match", ["rooms", "league", "storage", "routes"]],
    ["storage", ["rooms", "league", "routes"]],
    ["rooms", ["league", "routes"]],
  ])("%s/ imports nothing from %j, nor Colyseus unless it is rooms/", (name, forbidden) => {
    const offences: string[] = [];
    for (const { file, imports } of folder(name)) {
      for (const spec of into(file, imports, forbidden)) offences.push(`${file} imports ${spec}`);
      if (name !== "rooms")
        for (const spec of imports.filter((s) => COLYSEUS.test(s))) offences.push(`${file} imports ${spec}`);
    }
    expect(offences).toEqual([]);
  });
});
