import { describe, expect, it } from "vitest";
import { flagEmoji, fromLocalInput, percent, splitList, utcText } from "./format";
import { fill } from "./i18n";
import { matchPath } from "./router";

describe("flagEmoji", () => {
  it("turns an alpha-2 code into regional indicator symbols", () => {
    expect(flagEmoji("fr")).toBe("\u{1F1EB}\u{1F1F7}");
    expect(flagEmoji("KE")).toBe("\u{1F1F0}\u{1F1EA}");
  });
  it("gives nothing for anything else", () => {
    expect(flagEmoji("FRA")).toBe("");
    expect(flagEmoji(null)).toBe("");
    expect(flagEmoji("1A")).toBe("");
  });
});

describe("splitList", () => {
  it("splits on commas, semicolons and new lines and drops blanks", () => {
    expect(splitList(" a@x.test, b@x.test;\n\nc@x.test ,")).toEqual([
      "a@x.test",
      "b@x.test",
      "c@x.test",
    ]);
  });
});

describe("percent", () => {
  it("rounds and guards against an empty whole", () => {
    expect(percent(1, 3)).toBe(33);
    expect(percent(0, 0)).toBe(0);
  });
});

describe("fromLocalInput", () => {
  it("rejects what is not a date", () => {
    expect(fromLocalInput("not a date")).toBeNull();
    expect(fromLocalInput("2026-12-01T10:00")).toMatch(/^2026-12-01T\d\d:00:00\.000Z$/);
  });
});

describe("fill", () => {
  it("replaces known placeholders and keeps unknown ones", () => {
    expect(fill("{n} of {m} ({x})", { n: 2, m: 5 })).toBe("2 of 5 ({x})");
  });
});

describe("matchPath", () => {
  it("extracts decoded parameters", () => {
    expect(matchPath("/campaigns/:id", "/campaigns/png_1%2F")).toEqual({ id: "png_1/" });
    expect(matchPath("/campaigns/:id", "/campaigns")).toBeNull();
    expect(matchPath("/contacts", "/contacts/")).toEqual({});
  });
});

describe("utcText", () => {
  it("shows an instant in UTC to the minute", () => {
    expect(utcText("2026-11-29T07:00:00.000Z")).toBe("2026-11-29 07:00 UTC");
    expect(utcText("2026-11-29T08:30:00+01:00")).toBe("2026-11-29 07:30 UTC");
    expect(utcText("soon")).toBe("soon");
  });
});
