// Building blocks every screen uses: times with UTC on hover, flags, state names in the chosen
// language, problem messages and loading hooks.

import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type Page, type State } from "./api";
import { useApp } from "./app";
import { flagEmoji, utcText } from "./format";
import type { Language, MessageKey, Translator } from "./i18n";

/** An instant in the reader's time zone; hovering (title) shows it in UTC. */
export function Time({ iso }: { iso: string | null | undefined }) {
  const { tr } = useApp();
  if (!iso) return <span>—</span>;
  return (
    <time dateTime={iso} title={utcText(iso)}>
      {tr.dateTimeText(iso)}
    </time>
  );
}

let emojiFlags: boolean | undefined;

/** Whether this browser draws flag emoji in colour (Windows and fonts without emoji show two
 * letters or empty boxes instead): a flag drawn on a canvas has coloured pixels. */
export function emojiFlagsSupported(): boolean {
  if (emojiFlags !== undefined) return emojiFlags;
  emojiFlags = false;
  try {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 24;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    if (ctx) {
      ctx.font = "20px sans-serif";
      ctx.textBaseline = "top";
      ctx.fillText(flagEmoji("FR"), 0, 0);
      const data = ctx.getImageData(0, 0, 24, 24).data;
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
        if (a > 0 && (Math.abs(r - g) > 40 || Math.abs(g - b) > 40)) {
          emojiFlags = true;
          break;
        }
      }
    }
  } catch {
    emojiFlags = false;
  }
  return emojiFlags;
}

/** A state's flag, or its two-letter code in a small box where the browser has no flag emoji
 * (decorative: the name always goes with it). */
export function Flag({ alpha2 }: { alpha2: string | null | undefined }) {
  const emoji = flagEmoji(alpha2);
  if (!emoji) return null;
  return emojiFlagsSupported() ? (
    <span class="flag" aria-hidden="true">
      {emoji}
    </span>
  ) : (
    <span class="flag-code" aria-hidden="true">
      {alpha2!.toUpperCase()}
    </span>
  );
}

const stateCache = new Map<Language, Promise<State[]>>();

/** Every state with names in `lang`, fetched once per language from the server. */
export function statesIn(lang: Language): Promise<State[]> {
  let pending = stateCache.get(lang);
  if (!pending) {
    pending = api
      .get<{ items: State[] }>("/states", { lang, limit: 500 })
      .then((reply) => reply.body.items)
      .catch((error) => {
        stateCache.delete(lang);
        throw error;
      });
    stateCache.set(lang, pending);
  }
  return pending;
}

/** The states in the reader's language, sorted by name; empty while loading. */
export function useStates(): State[] {
  const { tr } = useApp();
  const [states, setStates] = useState<State[]>([]);
  useEffect(() => {
    let live = true;
    statesIn(tr.lang)
      .then((items) => {
        if (!live) return;
        const sorted = [...items].sort((a, b) => a.name.localeCompare(b.name, tr.lang));
        setStates(sorted);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [tr.lang]);
  return states;
}

/** A state's flag and name in the reader's language (its code until names arrive). */
export function StateLabel({ alpha2, states }: { alpha2: string | null; states: State[] }) {
  const { tr } = useApp();
  if (!alpha2) return <span>{tr.t("common.noState")}</span>;
  const state = states.find((s) => s.alpha2 === alpha2);
  return (
    <span class="state-label">
      <Flag alpha2={alpha2} /> {state ? state.name : alpha2}
    </span>
  );
}

/** A sentence for a failed API call, from the problem's code and reason. */
export function problemText(
  tr: Translator,
  error: unknown,
  labels: Record<string, string> = {},
): string {
  if (!(error instanceof ApiError)) return tr.t("error.unexpected");
  const { status, code, reason, field } = error.problem;
  if (status === 0) return tr.t("error.network");
  if (status === 412) return tr.t("error.stale");
  if (status === 428) return tr.t("error.stale");
  if (status === 429) return tr.t("error.throttled");
  if (reason === "csrf_mismatch" || (status === 401 && code === "unauthenticated")) {
    return tr.t("error.signedOut");
  }
  if (status === 403) return tr.t("error.forbidden");
  if (status === 404) return tr.t("error.notFound");
  if (status >= 500) return tr.t("error.server");
  if (field) {
    // "emails[1]" or "working_hours.mon[0]": name the form's label when the screen gave one.
    const base = field.split(/[.[]/)[0];
    const label = labels[field] ?? (labels[base] ? field.replace(base, labels[base]) : field);
    return tr.t("error.field", { field: label, detail: error.problem.detail || code });
  }
  return error.problem.detail || tr.t("error.unexpected");
}

/** An alert that announces itself to screen readers; `labels` name the API's fields as the
 * form shows them. */
export function ErrorNote({ error, labels }: { error: unknown; labels?: Record<string, string> }) {
  const { tr } = useApp();
  if (!error) return null;
  return (
    <p class="note error" role="alert">
      {problemText(tr, error, labels)}
    </p>
  );
}

/** The common load / error / data cycle of a screen. `deps` re-run the loader. */
export function useLoad<T>(
  loader: () => Promise<T>,
  deps: unknown[],
): { data: T | null; error: unknown; loading: boolean; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    loader()
      .then((value) => {
        if (!live) return;
        setData(value);
        setError(null);
      })
      .catch((e) => live && setError(e))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { data, error, loading, reload: () => setTick((n) => n + 1) };
}

/** A list the API pages with a cursor: the first page loads whenever `key` changes (the
 * filters), `showMore` appends the next one. */
export function usePages<T>(
  path: string,
  query: Record<string, string | number>,
  key: string,
): {
  items: T[];
  next: string | null;
  error: unknown;
  loading: boolean;
  showMore: () => Promise<void>;
} {
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  useEffect(() => {
    let live = true;
    setLoading(true);
    api
      .get<Page<T>>(path, query)
      .then((reply) => {
        if (!live) return;
        setItems(reply.body.items);
        setNext(reply.body.next);
        setError(null);
      })
      .catch((e) => live && setError(e))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [path, key]);

  async function showMore() {
    if (!next) return;
    setLoading(true);
    try {
      const reply = await api.get<Page<T>>(path, { ...query, cursor: next });
      setItems((previous) => [...previous, ...reply.body.items]);
      setNext(reply.body.next);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }
  return { items, next, error, loading, showMore };
}

/** The "show more" button under a list that `usePages` loads (nothing on the last page). */
export function ShowMore({ pages }: { pages: ReturnType<typeof usePages> }) {
  const { tr } = useApp();
  if (!pages.next) return null;
  return (
    <p>
      <button type="button" onClick={() => void pages.showMore()} disabled={pages.loading}>
        {tr.t("common.showMore")}
      </button>
    </p>
  );
}

/** A labelled select; with `empty`, a first choice of no value reads it ("Any", "Choose…"). */
export function SelectField({
  id,
  label,
  value,
  empty,
  options,
  onChange,
  required,
}: {
  id: string;
  label: string;
  value: string;
  empty?: string;
  options: [string, string][];
  onChange: (value: string) => void;
  required?: boolean;
}) {
  return (
    <Field id={id} label={label}>
      <select
        id={id}
        required={required}
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
      >
        {empty !== undefined && <option value="">{empty}</option>}
        {options.map(([code, text]) => (
          <option key={code} value={code}>
            {text}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** A labelled form control: the label wraps the control, the hint is tied by aria-describedby. */
export function Field({
  label,
  hint,
  id,
  children,
}: {
  label: string;
  hint?: string;
  id: string;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
    </div>
  );
}

/** A link back to a list, its arrow pointing backwards in the reading direction. */
export function BackLink({ href, text }: { href: string; text: string }) {
  const { tr } = useApp();
  return (
    <p>
      <a href={href}>
        <span aria-hidden="true">{tr.lang === "ar" ? "→" : "←"}</span> {text}
      </a>
    </p>
  );
}

export function Heading({ text }: { text: string }) {
  return <h1 tabIndex={-1}>{text}</h1>;
}

export type { MessageKey };
