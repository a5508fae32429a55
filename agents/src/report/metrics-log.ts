// Metrics as JSON Lines, one object per training iteration, appended as they come.
import { appendFile, mkdir, readFile } from "node:fs/promises";
import path from "node:path";

export class MetricsLog {
  constructor(readonly file: string) {}

  async append(record: Record<string, unknown>): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    await appendFile(this.file, `${JSON.stringify(record)}\n`);
  }

  /** Reads every record; a malformed line is an error naming the file and line. */
  static async read(file: string): Promise<Record<string, unknown>[]> {
    const text = await readFile(file, "utf8");
    return text
      .split("\n")
      .map((line, i) => [line, i + 1] as const)
      .filter(([line]) => line.trim() !== "")
      .map(([line, number]) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch (error) {
          throw new Error(`${file}:${number}: not a JSON object (${(error as Error).message})`);
        }
      });
  }
}
