// Cooperation requests: the inbox (sent to my state), the outbox (sent by my organisation), its
// drafts, and for operators every request's metadata. Filters by status and type live in the
// address bar; "show more" follows the API's cursor.

import { type CooperationRequest, type State } from "../api";
import { isOperator, useApp } from "../app";
import {
  ErrorNote,
  Heading,
  SelectField,
  ShowMore,
  StateLabel,
  Time,
  usePages,
  useStates,
} from "../components";
import type { MessageKey } from "../i18n";
import { pendingDeadline, REQUEST_TYPES, STATUSES, typesFor } from "../requests";
import { replaceQuery } from "../router";

const PAGE_SIZE = 50;
type Box = "inbox" | "outbox" | "drafts" | "all";

/** The API query of a tab: drafts are the outbox's requests in status draft. */
function boxQuery(box: Box, status: string, type: string) {
  if (box === "drafts") return { box: "outbox", status: "draft", type };
  return { box, status, type };
}

export function RequestsScreen({ query }: { query: URLSearchParams }) {
  const { tr, me } = useApp();
  const states = useStates();
  const operator = isOperator(me);
  const tabs: Box[] = operator ? ["all"] : ["inbox", "outbox", "drafts"];
  const requested = query.get("box") as Box | null;
  const box: Box = requested && tabs.includes(requested) ? requested : tabs[0];
  const status = box === "drafts" ? "" : query.get("status") || "";
  const type = query.get("type") || "";
  const mayCreate =
    !!me && me.organization.category === "state" && typesFor(me.account.roles).length > 0;

  const pages = usePages<CooperationRequest>(
    "/requests",
    { ...boxQuery(box, status, type), limit: PAGE_SIZE },
    `${box}|${status}|${type}`,
  );
  const { items, next, error, loading } = pages;

  function setFilter(name: string, value: string) {
    const nextQuery = new URLSearchParams(location.search);
    if (value) nextQuery.set(name, value);
    else nextQuery.delete(name);
    replaceQuery(nextQuery);
  }

  const overdue = items.filter((r) => pendingDeadline(r)?.overdue).length;
  const tabHref = (tab: Box) => `/requests?box=${tab}`;
  return (
    <section>
      <Heading text={tr.t("requests.title")} />
      <div class="toolbar">
        {!operator && (
          <nav aria-label={tr.t("requests.boxes")}>
            <ul class="tabs">
              {tabs.map((tab) => (
                <li key={tab}>
                  <a href={tabHref(tab)} aria-current={tab === box ? "page" : undefined}>
                    {tr.t(`requests.box.${tab}` as MessageKey)}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        {mayCreate && (
          <a class="button" href="/requests/new">
            {tr.t("requests.new")}
          </a>
        )}
      </div>
      <p class="hint">{tr.t(`requests.about.${box}` as MessageKey)}</p>
      <form class="filters card" role="search" onSubmit={(e) => e.preventDefault()}>
        {box !== "drafts" && (
          <SelectField
            id="rf-status"
            label={tr.t("request.status")}
            value={status}
            empty={tr.t("common.any")}
            options={STATUSES.filter((s) => box !== "inbox" || s !== "draft").map((s) => [
              s,
              tr.t(`rstatus.${s}` as MessageKey),
            ])}
            onChange={(value) => setFilter("status", value)}
          />
        )}
        <SelectField
          id="rf-type"
          label={tr.t("request.type")}
          value={type}
          empty={tr.t("common.any")}
          options={REQUEST_TYPES.map((t) => [t, tr.t(`rtype.${t}` as MessageKey)])}
          onChange={(value) => setFilter("type", value)}
        />
      </form>
      <p role="status" aria-live="polite" class="muted" id="requests-count">
        {loading
          ? tr.t("common.loading")
          : tr.t(next ? "requests.countMore" : "requests.count", {
              count: tr.numberText(items.length),
              overdue: tr.numberText(overdue),
            })}
      </p>
      <ErrorNote error={error} />
      <RequestTable items={items} states={states} box={box} />
      {!loading && items.length === 0 && !error && <p>{tr.t("requests.none")}</p>}
      <ShowMore pages={pages} />
    </section>
  );
}

function RequestTable({
  items,
  states,
  box,
}: {
  items: CooperationRequest[];
  states: State[];
  box: Box;
}) {
  const { tr } = useApp();
  return (
    <div class="table-wrap">
      <table id="requests-table">
        <caption class="visually-hidden">{tr.t(`requests.box.${box}` as MessageKey)}</caption>
        <thead>
          <tr>
            <th scope="col">{tr.t("request.subject")}</th>
            <th scope="col">{tr.t("request.parties")}</th>
            <th scope="col">{tr.t("request.type")}</th>
            <th scope="col">{tr.t("request.status")}</th>
            <th scope="col">{tr.t("request.urgency")}</th>
            <th scope="col">TLP</th>
            <th scope="col">{tr.t("request.deadline")}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.id} data-id={r.id}>
              <td>
                <a href={`/requests/${encodeURIComponent(r.id)}`} dir="auto">
                  {r.content?.subject || tr.t("request.untitled", { id: r.id })}
                </a>
              </td>
              <td>
                <StateLabel alpha2={r.requesting_state} states={states} />{" "}
                <span aria-hidden="true">{tr.lang === "ar" ? "←" : "→"}</span>
                <span class="visually-hidden">{tr.t("request.to")}</span>{" "}
                <StateLabel alpha2={r.requested_state} states={states} />
              </td>
              <td>{tr.t(`rtype.${r.type}` as MessageKey)}</td>
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td>
                <UrgencyBadge urgency={r.urgency} />
              </td>
              <td>{r.content ? <TlpLabel tlp={r.content.tlp} /> : "—"}</td>
              <td>
                <Deadline request={r} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const { tr } = useApp();
  return <span class={`badge status-${status}`}>{tr.t(`rstatus.${status}` as MessageKey)}</span>;
}

export function UrgencyBadge({ urgency }: { urgency: string }) {
  const { tr } = useApp();
  return <span class={`badge urgency-${urgency}`}>{tr.t(`urgency.${urgency}` as MessageKey)}</span>;
}

/** A TLP 2.0 label in its colours (coloured text on black). */
export function TlpLabel({ tlp }: { tlp: string }) {
  return (
    <span class={`tlp tlp-${tlp.replace("+", "-").toLowerCase()}`} dir="ltr">
      TLP:{tlp}
    </span>
  );
}

/** The deadline a request waits on, marked when it has passed. */
export function Deadline({ request }: { request: CooperationRequest }) {
  const { tr } = useApp();
  const pending = pendingDeadline(request);
  if (!pending) return <span>—</span>;
  return (
    <span class={pending.overdue ? "overdue" : undefined}>
      {tr.t(`request.due.${pending.kind}` as MessageKey)} <Time iso={pending.due} />
      {pending.overdue && <span class="badge overdue-badge"> {tr.t("request.overdue")}</span>}
    </span>
  );
}
