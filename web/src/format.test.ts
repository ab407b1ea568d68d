import { describe, expect, it } from "vitest";
import {
  feedFormat,
  flagEmoji,
  fromLocalInput,
  lookupKind,
  lookupPath,
  numberedLines,
  percent,
  splitList,
  utcText,
} from "./format";
import { fill, Translator } from "./i18n";
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

describe("lookupKind and lookupPath", () => {
  it("tells addresses, prefixes, AS numbers and domains apart as the server does", () => {
    expect(lookupKind("192.0.2.1")).toBe("ip");
    expect(lookupKind(" 2001:db8::5 ")).toBe("ip");
    expect(lookupKind("::ffff:192.0.2.1")).toBe("ip");
    expect(lookupKind("198.51.100.0/22")).toBe("prefix");
    expect(lookupKind("2001:db8::/32")).toBe("prefix");
    expect(lookupKind("AS64500")).toBe("asn");
    expect(lookupKind("as3215")).toBe("asn");
    expect(lookupKind("64500")).toBe("asn");
    expect(lookupKind("ministere.example.fr")).toBe("domain");
    expect(lookupKind("пример.рф")).toBe("domain");
    // Malformed addresses still go to the address look-up, which says what is wrong.
    expect(lookupKind("300.1.2.3")).toBe("ip");
  });
  it("builds the API path, percent-encoding what a path segment cannot hold", () => {
    expect(lookupPath("192.0.2.1")).toBe("/jurisdiction/ip/192.0.2.1");
    expect(lookupPath("10.0.0.0/8")).toBe("/jurisdiction/ip/10.0.0.0/8");
    expect(lookupPath("2001:db8::/32")).toBe("/jurisdiction/ip/2001%3Adb8%3A%3A/32");
    expect(lookupPath("AS64500")).toBe("/jurisdiction/asn/AS64500");
    expect(lookupPath("пример.рф")).toBe(
      "/jurisdiction/domain/%D0%BF%D1%80%D0%B8%D0%BC%D0%B5%D1%80.%D1%80%D1%84",
    );
  });
});

describe("numberedLines", () => {
  it("keeps each item's line number and drops blank lines", () => {
    expect(numberedLines("192.0.2.1\r\n\n  AS64500 \nexample.fr\n")).toEqual([
      { line: 1, item: "192.0.2.1" },
      { line: 3, item: "AS64500" },
      { line: 4, item: "example.fr" },
    ]);
    expect(numberedLines("\n \n")).toEqual([]);
  });
});

describe("feedFormat", () => {
  it("reads the format from the file name, compressed or not", () => {
    expect(feedFormat("scanners.csv")).toBe("csv");
    expect(feedFormat("Scanners.CSV.gz")).toBe("csv");
    expect(feedFormat("botnet.ndjson.gz")).toBe("ndjson");
    expect(feedFormat("events.jsonl")).toBe("ndjson");
    expect(feedFormat("feed.txt")).toBeNull();
  });
});

describe("Translator.bigText", () => {
  it("groups counts beyond 2^53 exactly, as the server sends them (decimal strings)", () => {
    const tr = new Translator("en", {});
    expect(tr.bigText("65536")).toBe("65,536");
    expect(tr.bigText("340282366920938463463374607431768211456")).toBe(
      "340,282,366,920,938,463,463,374,607,431,768,211,456",
    );
    expect(tr.bigText("not a number")).toBe("not a number");
  });
});
