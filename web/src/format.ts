// Small pure helpers shared by the screens (and covered by unit tests).

/** The flag emoji for an ISO 3166-1 alpha-2 code (regional indicator symbols); "" otherwise. */
export function flagEmoji(alpha2: string | null | undefined): string {
  if (!alpha2 || !/^[A-Za-z]{2}$/.test(alpha2)) return "";
  const base = 0x1f1e6 - "A".charCodeAt(0);
  const upper = alpha2.toUpperCase();
  return String.fromCodePoint(base + upper.charCodeAt(0), base + upper.charCodeAt(1));
}

/** Splits "a, b\nc" into trimmed, non-empty items: how list fields are typed in forms. */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,;]+/)
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** Working hours as typed in a form ("09:00-12:30, 13:30-17:30") to the API's list. */
export function parseIntervals(text: string): string[] {
  return splitList(text);
}

/** A share as a whole percentage (0 when there is no whole). */
export function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 100) : 0;
}

/** RFC 3339 for an instant `days` from `now`, at the minute (for deadline defaults). */
export function daysFrom(now: Date, days: number): Date {
  const date = new Date(now.getTime() + days * 86_400_000);
  date.setSeconds(0, 0);
  return date;
}

/** The value a datetime-local input shows for `date` in the browser's zone. */
export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/** An RFC 3339 UTC instant from a datetime-local value; null when it is not a date. */
export function fromLocalInput(value: string): string | null {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** "2026-11-29 07:00 UTC" for an RFC 3339 UTC instant (what hovering a time shows). */
export function utcText(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export type LookupKind = "ip" | "prefix" | "asn" | "domain";

/** What a look-up item is, by the server's own rule (src/api/jurisdiction_api.cpp, LookupItem):
 * anything with a colon, or digits and dots with a dot, is an address ("/" makes it a prefix);
 * "AS64500" or bare digits an AS number; anything else a domain. */
export function lookupKind(item: string): LookupKind {
  const text = item.trim();
  if (text.includes(":") || (/^[0-9./]+$/.test(text) && text.includes("."))) {
    return text.includes("/") ? "prefix" : "ip";
  }
  if (/^(as)?[0-9]+$/i.test(text)) return "asn";
  return "domain";
}

/** The API path (under /api/v1) that answers one look-up item. */
export function lookupPath(item: string): string {
  const text = item.trim();
  const kind = lookupKind(text);
  if (kind === "prefix") {
    const slash = text.lastIndexOf("/");
    return (
      `/jurisdiction/ip/${encodeURIComponent(text.slice(0, slash))}` +
      `/${encodeURIComponent(text.slice(slash + 1))}`
    );
  }
  if (kind === "ip") return `/jurisdiction/ip/${encodeURIComponent(text)}`;
  if (kind === "asn") return `/jurisdiction/asn/${encodeURIComponent(text)}`;
  return `/jurisdiction/domain/${encodeURIComponent(text)}`;
}

/** The non-blank lines of a pasted list, trimmed, each with its line number (from 1). */
export function numberedLines(text: string): { line: number; item: string }[] {
  return text
    .split(/\r?\n/)
    .map((raw, index) => ({ line: index + 1, item: raw.trim() }))
    .filter((entry) => entry.item.length > 0);
}

/** The feed format a file name suggests ("feed.csv.gz" → csv), or null when it says nothing. */
export function feedFormat(fileName: string): "csv" | "ndjson" | null {
  const name = fileName.toLowerCase().replace(/\.gz$/, "");
  if (name.endsWith(".csv")) return "csv";
  if (/\.(ndjson|jsonl|json)$/.test(name)) return "ndjson";
  return null;
}
