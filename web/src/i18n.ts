// The six UN official languages. Each has one messages file in src/messages/<lang>.json that a
// translator edits; English is bundled with the app, the others load on demand. Messages are
// flat keys with {named} placeholders. Dates and numbers go through Intl for the language.

import en from "./messages/en.json";

export const LANGUAGES = ["ar", "zh", "en", "fr", "ru", "es"] as const;
export type Language = (typeof LANGUAGES)[number];
export type Messages = Record<string, string>;
export type MessageKey = keyof typeof en;

const STORAGE_KEY = "liaison.lang";

const loaders: Record<Language, () => Promise<Messages>> = {
  en: async () => en,
  ar: () => import("./messages/ar.json").then((m) => m.default),
  zh: () => import("./messages/zh.json").then((m) => m.default),
  fr: () => import("./messages/fr.json").then((m) => m.default),
  ru: () => import("./messages/ru.json").then((m) => m.default),
  es: () => import("./messages/es.json").then((m) => m.default),
};

export function isLanguage(value: string | null | undefined): value is Language {
  return !!value && (LANGUAGES as readonly string[]).includes(value);
}

/** The remembered language, else the browser's first UN language, else English. */
export function initialLanguage(): Language {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (isLanguage(saved)) return saved;
  for (const tag of navigator.languages || [navigator.language]) {
    const primary = tag.split("-")[0].toLowerCase();
    if (isLanguage(primary)) return primary;
  }
  return "en";
}

export function rememberLanguage(lang: Language): void {
  localStorage.setItem(STORAGE_KEY, lang);
}

export function direction(lang: Language): "rtl" | "ltr" {
  return lang === "ar" ? "rtl" : "ltr";
}

export async function loadMessages(lang: Language): Promise<Messages> {
  return loaders[lang]();
}

/** Fills {name} placeholders in `template` from `params`. */
export function fill(template: string, params?: Record<string, string | number>): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** Everything a screen needs to speak the person's language. */
export class Translator {
  readonly lang: Language;
  private readonly messages: Messages;
  private readonly dateTime: Intl.DateTimeFormat;
  private readonly number: Intl.NumberFormat;
  // One formatter per time zone met (a list shows many contacts in few zones).
  private languages: Intl.DisplayNames | undefined;
  private regions: Intl.DisplayNames | undefined;
  private readonly clocks = new Map<string, Intl.DateTimeFormat | null>();

  constructor(lang: Language, messages: Messages, timeZone?: string) {
    this.lang = lang;
    this.messages = messages;
    const zone = safeTimeZone(timeZone);
    this.dateTime = new Intl.DateTimeFormat(lang, {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: zone,
    });
    this.number = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  }

  /** The message `key` in this language (English, then the key itself, when missing). */
  t(key: MessageKey, params?: Record<string, string | number>): string {
    const template = this.messages[key] ?? (en as Messages)[key] ?? key;
    return fill(template, params);
  }

  /** Items joined with the language's list separator ("、" in Chinese, "، " in Arabic). */
  listText(items: string[]): string {
    return items.join(this.t("common.listSeparator"));
  }

  /** An RFC 3339 instant in the reader's time zone. */
  dateTimeText(iso: string): string {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : this.dateTime.format(date);
  }

  numberText(value: number): string {
    return this.number.format(value);
  }

  /** A count the server sends as a decimal string (it may exceed 2^53, e.g. an IPv6 prefix's
   * addresses), grouped for the language. */
  bigText(decimal: string): string {
    if (!/^[0-9]+$/.test(decimal)) return decimal;
    try {
      return this.number.format(BigInt(decimal));
    } catch {
      return decimal;
    }
  }

  /** Wall-clock time now in `timeZone` (a contact's), e.g. "14:05"; "" for an unknown zone. */
  clockIn(timeZone: string, now: Date = new Date()): string {
    let format = this.clocks.get(timeZone);
    if (format === undefined) {
      try {
        format = new Intl.DateTimeFormat(this.lang, {
          hour: "2-digit",
          minute: "2-digit",
          weekday: "short",
          timeZone,
        });
      } catch {
        format = null;
      }
      this.clocks.set(timeZone, format);
    }
    return format ? format.format(now) : "";
  }

  /** The name of a country or territory (ISO 3166-1 alpha-2, e.g. "GP") in this language, from
   * the browser's own data: territories are not in the server's list of states. */
  regionName(code: string): string {
    try {
      this.regions ??= new Intl.DisplayNames([this.lang], { type: "region" });
      return this.regions.of(code.toUpperCase()) || code;
    } catch {
      return code;
    }
  }

  /** The name of a language tag (BCP 47) in this language, or the tag itself. */
  languageName(tag: string): string {
    try {
      this.languages ??= new Intl.DisplayNames([this.lang], { type: "language" });
      return this.languages.of(tag) || tag;
    } catch {
      return tag;
    }
  }
}

/** `zone` when the browser knows it, else undefined (the browser's own zone). */
export function safeTimeZone(zone?: string): string | undefined {
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}
