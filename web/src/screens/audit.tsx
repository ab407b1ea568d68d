// The audit log: entries the reader may see (operators: all), filtered by record and action,
// a page at a time; operators can verify the hash chain.

import { useEffect, useState } from "preact/hooks";
import { api, type AuditEntry, type AuditVerifyReport, type Page } from "../api";
import { isOperator, useApp } from "../app";
import { ErrorNote, Field, Heading, Time } from "../components";
import { replaceQuery } from "../router";

const FILTERS = ["record_type", "record_id", "action"] as const;

export function AuditScreen({ query }: { query: URLSearchParams }) {
  const { tr, me } = useApp();
  const filters: Record<string, string> = {};
  for (const name of FILTERS) filters[name] = query.get(name) || "";
  const [draft, setDraft] = useState(filters);
  const [items, setItems] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const key = FILTERS.map((name) => filters[name]).join("|");

  async function load(cursor?: string) {
    setLoading(true);
    try {
      const reply = await api.get<Page<AuditEntry>>("/audit", { ...filters, limit: 100, cursor });
      setItems((previous) => (cursor ? [...previous, ...reply.body.items] : reply.body.items));
      setNext(reply.body.next);
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }

  useEffect(() => {
    void load();
  }, [key]);

  function apply(event: Event) {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const name of FILTERS) if (draft[name].trim()) params.set(name, draft[name].trim());
    replaceQuery(params);
  }

  return (
    <section>
      <Heading text={tr.t("audit.title")} />
      {isOperator(me) && <Verify />}
      <form class="filters card" onSubmit={apply} role="search">
        {FILTERS.map((name) => (
          <Field key={name} id={`a-${name}`} label={tr.t(`audit.${name}` as never)}>
            <input
              id={`a-${name}`}
              dir="ltr"
              value={draft[name]}
              onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value })}
            />
          </Field>
        ))}
        <div class="field">
          <button type="submit">{tr.t("common.filter")}</button>
        </div>
      </form>
      <ErrorNote error={error} />
      <p role="status" class="muted">
        {loading
          ? tr.t("common.loading")
          : tr.t("audit.count", { count: tr.numberText(items.length) })}
      </p>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">{tr.t("audit.title")}</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{tr.t("audit.at")}</th>
              <th scope="col">{tr.t("audit.action")}</th>
              <th scope="col">{tr.t("audit.record")}</th>
              <th scope="col">{tr.t("audit.account")}</th>
              <th scope="col">{tr.t("audit.hash")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.seq}>
                <td class="num">{e.seq}</td>
                <td>
                  <Time iso={e.at} />
                </td>
                <td dir="ltr">
                  <code>{e.action}</code>
                </td>
                <td dir="ltr">
                  <code>
                    {e.record_type} {e.record_id}
                  </code>
                </td>
                <td dir="ltr">
                  <code>{e.account_id}</code>
                </td>
                <td dir="ltr">
                  <code title={e.hash}>{e.hash.slice(0, 12)}…</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {next && (
        <p>
          <button type="button" disabled={loading} onClick={() => void load(next)}>
            {tr.t("common.showMore")}
          </button>
        </p>
      )}
    </section>
  );
}

function Verify() {
  const { tr } = useApp();
  const [result, setResult] = useState<AuditVerifyReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function run() {
    setBusy(true);
    setError(null);
    try {
      setResult((await api.get<AuditVerifyReport>("/audit/verify")).body);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="card">
      <p>{tr.t("audit.verifyIntro")}</p>
      <button type="button" onClick={() => void run()} disabled={busy}>
        {tr.t("audit.verify")}
      </button>
      <ErrorNote error={error} />
      <div role="status" aria-live="polite">
        {result &&
          (result.ok ? (
            <p class="note ok">
              {tr.t("audit.verifyOk", { count: tr.numberText(result.entries_checked) })}
            </p>
          ) : (
            <p class="note error">
              {tr.t("audit.verifyBad", {
                seq: result.first_bad_seq ?? "?",
                problem: result.problem ?? "",
              })}
            </p>
          ))}
      </div>
    </div>
  );
}
