// The directory: contacts filtered by state, regional group, level, language, 24/7 and text,
// a page at a time (cursor pagination, "show more" appends), with export of the same selection.

import { useRef, useState } from "preact/hooks";
import { REGIONAL_GROUPS, withQuery, type Contact } from "../api";
import { useApp } from "../app";
import {
  ErrorNote,
  Field,
  Heading,
  SelectField,
  ShowMore,
  StateLabel,
  usePages,
  useStates,
} from "../components";
import { replaceQuery } from "../router";

const FILTERS = ["state", "group", "level", "language", "available_24_7", "q"] as const;
const PAGE_SIZE = 50;
// Languages offered in the filter: the six UN languages first, then others common in the
// directory. Any tag can still be typed in the URL (?language=pt-BR).
const FILTER_LANGUAGES = ["ar", "zh", "en", "fr", "ru", "es", "de", "pt", "ja", "id", "nb"];

export function ContactsScreen({ query }: { query: URLSearchParams }) {
  const { tr } = useApp();
  const states = useStates();
  const filters: Record<string, string> = {};
  for (const name of FILTERS) filters[name] = query.get(name) || "";
  const [text, setText] = useState(filters.q);
  const key = FILTERS.map((name) => filters[name]).join("|");
  const pages = usePages<Contact>("/contacts", { ...filters, limit: PAGE_SIZE }, key);
  const { items, next, error, loading } = pages;
  const debounce = useRef<number | undefined>(undefined);

  function setFilter(name: string, value: string) {
    // From the address bar, not this render's `query`: a debounced search may fire after
    // another filter changed.
    const next = new URLSearchParams(location.search);
    if (value) next.set(name, value);
    else next.delete(name);
    replaceQuery(next);
  }

  function onText(value: string) {
    setText(value);
    window.clearTimeout(debounce.current);
    debounce.current = window.setTimeout(() => setFilter("q", value.trim()), 250);
  }

  const exportQuery = { ...filters };
  return (
    <section>
      <Heading text={tr.t("contacts.title")} />
      <form class="filters card" role="search" onSubmit={(e) => e.preventDefault()}>
        <Field id="f-q" label={tr.t("contacts.search")} hint={tr.t("contacts.searchHint")}>
          <input
            id="f-q"
            type="search"
            value={text}
            aria-describedby="f-q-hint"
            onInput={(e) => onText(e.currentTarget.value)}
          />
        </Field>
        <FilterSelect
          name="state"
          label={tr.t("contacts.state")}
          value={filters.state}
          onChange={setFilter}
          options={states.map((s) => [s.alpha2, s.name])}
        />
        <FilterSelect
          name="group"
          label={tr.t("contacts.group")}
          value={filters.group}
          onChange={setFilter}
          options={REGIONAL_GROUPS.map((g) => [g, tr.t(`group.${g}` as never)])}
        />
        <FilterSelect
          name="level"
          label={tr.t("contacts.level")}
          value={filters.level}
          onChange={setFilter}
          options={[
            ["policy", tr.t("level.policy")],
            ["technical", tr.t("level.technical")],
          ]}
        />
        <FilterSelect
          name="language"
          label={tr.t("contacts.language")}
          value={filters.language}
          onChange={setFilter}
          options={FILTER_LANGUAGES.map((code) => [code, tr.languageName(code)])}
        />
        <div class="field checkbox">
          <input
            id="f-247"
            type="checkbox"
            checked={filters.available_24_7 === "true"}
            onChange={(e) => setFilter("available_24_7", e.currentTarget.checked ? "true" : "")}
          />
          <label for="f-247">{tr.t("contacts.only247")}</label>
        </div>
      </form>

      <div class="toolbar">
        <p role="status" aria-live="polite" class="muted">
          {loading
            ? tr.t("common.loading")
            : tr.t(next ? "contacts.countMore" : "contacts.count", {
                count: tr.numberText(items.length),
              })}
        </p>
        <div class="exports" role="group" aria-label={tr.t("contacts.export")}>
          <span class="muted">{tr.t("contacts.export")}:</span>
          {(["json", "csv", "vcard"] as const).map((format) => (
            <a
              key={format}
              class="button secondary"
              href={withQuery("/api/v1/contacts/export", { ...exportQuery, format })}
              download
            >
              {tr.t(`export.${format}` as never)}
            </a>
          ))}
        </div>
      </div>
      <ErrorNote error={error} />
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">{tr.t("contacts.title")}</caption>
          <thead>
            <tr>
              <th scope="col">{tr.t("contact.name")}</th>
              <th scope="col">{tr.t("contact.organization")}</th>
              <th scope="col">{tr.t("contacts.state")}</th>
              <th scope="col">{tr.t("contacts.level")}</th>
              <th scope="col">{tr.t("contact.languages")}</th>
              <th scope="col">{tr.t("contact.localTime")}</th>
              <th scope="col">{tr.t("contact.availability")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.id}>
                <td>
                  <a href={`/contacts/${encodeURIComponent(c.id)}`}>{c.name}</a>
                  {c.stale && <span class="badge warn"> {tr.t("contact.stale")}</span>}
                </td>
                <td>{c.organization_name || ""}</td>
                <td>
                  <StateLabel alpha2={c.state} states={states} />
                </td>
                <td>{tr.t(`level.${c.level}` as never)}</td>
                <td>{tr.listText(c.languages.map((l) => tr.languageName(l)))}</td>
                <td>
                  <span title={c.time_zone}>{tr.clockIn(c.time_zone)}</span>
                </td>
                <td>
                  <Availability contact={c} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!loading && items.length === 0 && !error && <p>{tr.t("contacts.none")}</p>}
      <ShowMore pages={pages} />
    </section>
  );
}

/** A filter as a select whose first choice, "Any", removes it. */
function FilterSelect({
  name,
  label,
  value,
  onChange,
  options,
}: {
  name: string;
  label: string;
  value: string;
  onChange: (name: string, value: string) => void;
  options: [string, string][];
}) {
  const { tr } = useApp();
  return (
    <SelectField
      id={`f-${name}`}
      label={label}
      value={value}
      empty={tr.t("common.any")}
      options={options}
      onChange={(next) => onChange(name, next)}
    />
  );
}

export function Availability({ contact }: { contact: Contact }) {
  const { tr } = useApp();
  if (contact.available_24_7) return <span class="badge ok">{tr.t("contact.always")}</span>;
  return contact.in_working_hours_now ? (
    <span class="badge ok">{tr.t("contact.workingNow")}</span>
  ) : (
    <span class="badge">{tr.t("contact.outsideHours")}</span>
  );
}
