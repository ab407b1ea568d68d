// Feed upload: an observation feed (CSV with a header, or NDJSON; plain or gzip — the server
// tells by the magic bytes) goes as it is to POST /jurisdiction/reports, and the per-state
// summary comes back as a table. On request (drafts=true) the node also drafts one mitigation
// request per state; they are listed with links to their pages, where each is reviewed,
// completed and submitted: nothing is sent to another state from this screen.

import { useState } from "preact/hooks";
import { api, type FeedReport, type SkippedGroup, type State, type StateGroup } from "../api";
import { useApp } from "../app";
import {
  BackLink,
  ErrorNote,
  Field,
  Heading,
  SelectField,
  StateLabel,
  useStates,
} from "../components";
import { feedFormat } from "../format";
import type { MessageKey, Translator } from "../i18n";
import { TLPS, UN_LANGUAGES, URGENCIES, typesFor } from "../requests";
import { TlpLabel } from "./requests";

const MEDIA_TYPES = { csv: "text/csv", ndjson: "application/x-ndjson" } as const;
type Format = keyof typeof MEDIA_TYPES;
/** How many malformed lines the screen lists (the report has them all; the count is shown). */
const SHOWN_ERRORS = 50;

export function FeedsScreen() {
  const { tr, me } = useApp();
  const states = useStates();
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<Format | "auto">("auto");
  const [column, setColumn] = useState("");
  const [categoryColumn, setCategoryColumn] = useState("");
  const [strict, setStrict] = useState(false);
  const [drafting, setDrafting] = useState(false);
  const [draftTlp, setDraftTlp] = useState("AMBER");
  const [draftUrgency, setDraftUrgency] = useState("routine");
  const [draftLanguage, setDraftLanguage] = useState<string>(
    (UN_LANGUAGES as readonly string[]).includes(tr.lang) ? tr.lang : "en",
  );
  const [impact, setImpact] = useState("");
  const [report, setReport] = useState<FeedReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const mayReport = !!me && me.account.roles.some((role) => role !== "observer");
  // Drafting needs the right to make mitigation requests (a state organisation's account).
  const mayDraft =
    !!me &&
    me.organization.category === "state" &&
    typesFor(me.account.roles).includes("mitigation");
  const chosen: Format | null = format === "auto" ? (file ? feedFormat(file.name) : null) : format;

  async function submit(event: Event) {
    event.preventDefault();
    if (!file || !chosen) return;
    setBusy(true);
    setError(null);
    setReport(null);
    const query = new URLSearchParams();
    if (column.trim()) query.set("column", column.trim());
    if (categoryColumn.trim()) query.set("category_column", categoryColumn.trim());
    if (strict) query.set("strict", "true");
    if (drafting && mayDraft) {
      query.set("drafts", "true");
      query.set("tlp", draftTlp);
      query.set("urgency", draftUrgency);
      query.set("language", draftLanguage);
      if (impact.trim()) query.set("impact", impact.trim());
    }
    const search = query.toString();
    const path = `/jurisdiction/reports${search ? `?${search}` : ""}`;
    try {
      const reply = await api.upload<FeedReport>(path, file, MEDIA_TYPES[chosen]);
      setReport(reply.body);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <Heading text={tr.t("feeds.title")} />
      <BackLink href="/jurisdiction" text={tr.t("jurisdiction.title")} />
      <p>{tr.t("feeds.intro")}</p>
      {!mayReport && <p class="note warn">{tr.t("feeds.observer")}</p>}
      {mayReport && (
        <form class="card stack" onSubmit={submit} aria-labelledby="feed-heading">
          <h2 id="feed-heading">{tr.t("feeds.upload")}</h2>
          <Field id="feed-file" label={tr.t("feeds.file")} hint={tr.t("feeds.fileHint")}>
            <input
              id="feed-file"
              type="file"
              required
              accept=".csv,.ndjson,.jsonl,.json,.gz,text/csv,application/x-ndjson,application/gzip"
              aria-describedby="feed-file-hint"
              onChange={(e) => setFile(e.currentTarget.files?.[0] || null)}
            />
          </Field>
          <Field id="feed-format" label={tr.t("feeds.format")}>
            <select
              id="feed-format"
              value={format}
              onChange={(e) => setFormat(e.currentTarget.value as Format | "auto")}
            >
              <option value="auto">{tr.t("feeds.formatAuto")}</option>
              <option value="csv">CSV</option>
              <option value="ndjson">NDJSON</option>
            </select>
          </Field>
          {file && !chosen && (
            <p class="note warn" role="alert">
              {tr.t("feeds.formatUnknown")}
            </p>
          )}
          <div class="grid-2">
            <Field id="feed-column" label={tr.t("feeds.column")} hint={tr.t("feeds.columnHint")}>
              <input
                id="feed-column"
                type="text"
                dir="ltr"
                autocomplete="off"
                aria-describedby="feed-column-hint"
                value={column}
                onInput={(e) => setColumn(e.currentTarget.value)}
              />
            </Field>
            <Field
              id="feed-category"
              label={tr.t("feeds.categoryColumn")}
              hint={tr.t("feeds.categoryColumnHint")}
            >
              <input
                id="feed-category"
                type="text"
                dir="ltr"
                autocomplete="off"
                aria-describedby="feed-category-hint"
                value={categoryColumn}
                onInput={(e) => setCategoryColumn(e.currentTarget.value)}
              />
            </Field>
          </div>
          <div class="field checkbox">
            <input
              id="feed-strict"
              type="checkbox"
              checked={strict}
              onChange={(e) => setStrict(e.currentTarget.checked)}
            />
            <label for="feed-strict">{tr.t("feeds.strict")}</label>
          </div>
          {mayDraft && (
            <fieldset>
              <legend>{tr.t("feeds.drafts")}</legend>
              <div class="field checkbox">
                <input
                  id="feed-drafts"
                  type="checkbox"
                  checked={drafting}
                  aria-describedby="feed-drafts-hint"
                  onChange={(e) => setDrafting(e.currentTarget.checked)}
                />
                <label for="feed-drafts">{tr.t("feeds.draftRequests")}</label>
              </div>
              <p class="hint" id="feed-drafts-hint">
                {tr.t("feeds.draftRequestsHint")}
              </p>
              {drafting && (
                <div class="grid-2">
                  <SelectField
                    id="feed-tlp"
                    label={tr.t("field.tlp")}
                    value={draftTlp}
                    required
                    options={TLPS.map((t) => [t, `TLP:${t}`])}
                    onChange={setDraftTlp}
                  />
                  <SelectField
                    id="feed-urgency"
                    label={tr.t("field.urgency")}
                    value={draftUrgency}
                    required
                    options={URGENCIES.map((u) => [u, tr.t(`urgency.${u}` as MessageKey)])}
                    onChange={setDraftUrgency}
                  />
                  <SelectField
                    id="feed-language"
                    label={tr.t("field.language")}
                    value={draftLanguage}
                    required
                    options={UN_LANGUAGES.map((l) => [l, tr.languageName(l)])}
                    onChange={setDraftLanguage}
                  />
                  <Field
                    id="feed-impact"
                    label={tr.t("feeds.impact")}
                    hint={tr.t("feeds.impactHint")}
                  >
                    <input
                      id="feed-impact"
                      type="text"
                      maxLength={10000}
                      aria-describedby="feed-impact-hint"
                      value={impact}
                      onInput={(e) => setImpact(e.currentTarget.value)}
                    />
                  </Field>
                </div>
              )}
            </fieldset>
          )}
          <ErrorNote
            error={error}
            labels={{
              feed: tr.t("feeds.file"),
              column: tr.t("feeds.column"),
              tlp: tr.t("field.tlp"),
              urgency: tr.t("field.urgency"),
              language: tr.t("field.language"),
              impact: tr.t("feeds.impact"),
            }}
          />
          <div>
            <button type="submit" disabled={busy || !file || !chosen}>
              {tr.t("feeds.submit")}
            </button>
          </div>
        </form>
      )}
      <div aria-live="polite">
        {busy && <p role="status">{tr.t("feeds.working")}</p>}
        {report && <Report report={report} states={states} />}
      </div>
    </section>
  );
}

function groupLabel(tr: Translator, group: StateGroup, states: State[]) {
  if (group.state) return <StateLabel alpha2={group.state} states={states} />;
  if (group.group === "unattributed") return <span>{tr.t("feeds.unattributed")}</span>;
  return (
    <span>
      {tr.t("feeds.noState", {
        countries: tr.listText(group.countries.map((c) => tr.regionName(c))),
      })}
    </span>
  );
}

function Report({ report, states }: { report: FeedReport; states: State[] }) {
  const { tr } = useApp();
  return (
    <article class="stack" aria-labelledby="report-heading">
      <h2 id="report-heading">{tr.t("feeds.report")}</h2>
      <p role="status" id="feed-summary">
        {tr.t("feeds.summary", {
          lines: tr.numberText(report.lines),
          observations: tr.numberText(report.observations),
          malformed: tr.numberText(report.malformed),
          states: tr.numberText(report.states.filter((g) => g.state).length),
        })}
      </p>
      <p class="hint">
        {tr.t("feeds.columns", {
          column: report.address_column,
          category: report.category_column || "—",
          version: report.data_version,
        })}
      </p>
      {report.states.length > 0 && (
        <div class="table-wrap">
          <table id="feed-states">
            <caption>{tr.t("feeds.caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{tr.t("jurisdiction.state")}</th>
                <th scope="col">{tr.t("feeds.countries")}</th>
                <th scope="col">{tr.t("feeds.observations")}</th>
                <th scope="col">{tr.t("feeds.distinctAddresses")}</th>
                <th scope="col">{tr.t("feeds.distinctAs")}</th>
                <th scope="col">{tr.t("feeds.categories")}</th>
              </tr>
            </thead>
            <tbody>
              {report.states.map((group) => (
                <tr key={group.group} data-group={group.group}>
                  <td>{groupLabel(tr, group, states)}</td>
                  <td>{tr.listText(group.countries)}</td>
                  <td class="num">{tr.numberText(group.observations)}</td>
                  <td class="num">{tr.numberText(group.distinct_addresses)}</td>
                  <td class="num">{tr.numberText(group.distinct_as_numbers)}</td>
                  <td>
                    <ul class="plain">
                      {Object.entries(group.categories)
                        .sort((a, b) => b[1] - a[1])
                        .map(([category, count]) => (
                          <li key={category}>
                            {tr.t("feeds.category", {
                              category: category || tr.t("feeds.noCategory"),
                              count: tr.numberText(count),
                            })}
                          </li>
                        ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {report.errors.length > 0 && (
        <>
          <h3>{tr.t("feeds.errors")}</h3>
          <ul id="feed-errors">
            {report.errors.slice(0, SHOWN_ERRORS).map((e) => (
              <li key={e.line}>
                {tr.t("feeds.errorLine", { line: tr.numberText(e.line) })}{" "}
                <span lang="en">{e.message}</span>
              </li>
            ))}
          </ul>
          {report.malformed > SHOWN_ERRORS && (
            <p class="hint">
              {tr.t("feeds.moreErrors", {
                shown: tr.numberText(Math.min(SHOWN_ERRORS, report.errors.length)),
                count: tr.numberText(report.malformed),
              })}
            </p>
          )}
        </>
      )}
      <Drafts report={report} states={states} />
    </article>
  );
}

function Drafts({ report, states }: { report: FeedReport; states: State[] }) {
  const { tr } = useApp();
  if (report.drafts.length === 0 && report.skipped.length === 0) return null;
  return (
    <section aria-labelledby="drafts-heading" id="feed-drafts-made">
      <h3 id="drafts-heading">{tr.t("feeds.drafts")}</h3>
      {report.drafts.length === 0 ? (
        <p class="note">{tr.t("feeds.noDrafts")}</p>
      ) : (
        <>
          <p class="note warn" role="note">
            {tr.t("feeds.draftsNotSent")}
          </p>
          <ul class="drafts">
            {report.drafts.map((draft) => (
              <li key={draft.id} data-state={draft.requested_state}>
                <StateLabel alpha2={draft.requested_state} states={states} />{" "}
                <TlpLabel tlp={draft.tlp} />{" "}
                <a href={`/requests/${encodeURIComponent(draft.id)}`} dir="auto">
                  {draft.subject}
                </a>
                <br />
                <span class="muted">
                  {tr.t("feeds.draftLine", {
                    listed: tr.numberText(draft.indicators),
                    addresses: tr.numberText(draft.distinct_addresses),
                    observations: tr.numberText(draft.observations),
                  })}
                </span>{" "}
                <a href={`/requests/${encodeURIComponent(draft.id)}/edit`}>
                  {tr.t("feeds.reviewDraft")}
                </a>
              </li>
            ))}
          </ul>
          <p>
            <a href="/requests?box=drafts">{tr.t("feeds.allDrafts")}</a>
          </p>
        </>
      )}
      {report.skipped.length > 0 && (
        <>
          <h4>{tr.t("feeds.skipped")}</h4>
          <ul id="feed-skipped">
            {report.skipped.map((group) => (
              <li key={group.group} data-group={group.group}>
                {skippedLabel(tr, group, states)} —{" "}
                {tr.t(`feeds.skip.${group.reason}` as MessageKey)}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function skippedLabel(tr: Translator, group: SkippedGroup, states: State[]) {
  if (group.state) return <StateLabel alpha2={group.state} states={states} />;
  if (group.group === "unattributed") return <span>{tr.t("feeds.unattributed")}</span>;
  const country = group.group.replace(/^no-state-/, "");
  return <span>{tr.t("feeds.noState", { countries: tr.regionName(country) })}</span>;
}
