// One cooperation request as its parties see it: the header (parties, type, status, urgency, the
// TLP banner, deadlines), the content, the outcome, the transitions the person may take (with the
// version read, If-Match), the timeline, the conversation, the attachments and the signed
// receipts. Operators see the metadata only; anyone else gets "not found".

import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import {
  api,
  ApiError,
  type CooperationRequest,
  type Receipt,
  type RequestAttachment,
  type RequestMessage,
  type State,
  type TimelineEntry,
} from "../api";
import { useApp } from "../app";
import {
  BackLink,
  ErrorNote,
  Field,
  Heading,
  SelectField,
  StateLabel,
  Time,
  useLoad,
  useStates,
} from "../components";
import type { MessageKey } from "../i18n";
import {
  atLeastAsRestrictive,
  DECLINE_REASONS,
  mediaTypeOf,
  OUTCOMES,
  sideOf,
  TLPS,
  transitionsFor,
  type Tlp,
  type Transition,
} from "../requests";
import { templateLabels } from "./request_form";
import { Deadline, StatusBadge, TlpLabel, UrgencyBadge } from "./requests";

interface Loaded {
  request: CooperationRequest;
  etag: string;
}

export function RequestScreen({
  params,
  query,
}: {
  params: Record<string, string>;
  query: URLSearchParams;
}) {
  const { tr, me } = useApp();
  const states = useStates();
  const [done, setDone] = useState<Transition | null>(null);
  const id = params.id;
  const { data, error, reload } = useLoad<Loaded>(async () => {
    const reply = await api.get<CooperationRequest>(`/requests/${encodeURIComponent(id)}`);
    return { request: reply.body, etag: reply.etag || `"${reply.body.version}"` };
  }, [id]);

  if (error) {
    const missing = error instanceof ApiError && error.status === 404;
    return (
      <section>
        <BackLink href="/requests" text={tr.t("requests.title")} />
        <Heading text={tr.t(missing ? "request.notFound" : "request.title")} />
        <ErrorNote error={error} />
      </section>
    );
  }
  if (!data) return <p role="status">{tr.t("common.loading")}</p>;
  const r = data.request;
  const side = sideOf(r, me);
  const visible = r.content_visible;
  const conversation = visible && r.status !== "draft";
  const key = `${r.id}:${r.version}`;

  return (
    <section class="request-page">
      <BackLink
        href={side === "requested" ? "/requests?box=inbox" : "/requests?box=outbox"}
        text={tr.t("requests.title")}
      />
      <Heading text={r.content?.subject || tr.t("request.untitled", { id: r.id })} />
      {r.content && <TlpBanner tlp={r.content.tlp} />}
      {query.get("sent") && r.status !== "draft" && (
        <p class="note ok" role="status" id="request-sent">
          {tr.t("request.sent", { state: stateName(states, r.requested_state) })}
        </p>
      )}
      {query.get("saved") && r.status === "draft" && (
        <p class="note warn" role="status" id="request-saved">
          {tr.t("request.savedDraft")}
        </p>
      )}
      {r.routing?.fell_back_to_policy && (
        <p class="note warn" role="note" id="routing-notice">
          {tr.t("request.fallback", {
            level: tr.t(`routingLevel.${levelOf(r.type)}` as MessageKey),
          })}
        </p>
      )}
      {done && (
        <p class="note ok" role="status" id="transition-done">
          {tr.t(`transition.done.${done}` as MessageKey)}
        </p>
      )}
      <Header request={r} states={states} />
      {!visible && <p class="note">{tr.t("request.metadataOnly")}</p>}
      {r.status === "draft" && side === "requester" && (
        <p class="note warn">
          {tr.t("request.draftNote")}{" "}
          <a href={`/requests/${encodeURIComponent(r.id)}/edit`}>{tr.t("request.editDraft")}</a>
        </p>
      )}
      <Transitions
        key={key}
        loaded={data}
        states={states}
        onDone={(t) => {
          setDone(t);
          reload();
        }}
        onStale={reload}
      />
      {r.content && <Content request={r} />}
      {r.resolution && <Resolution request={r} />}
      <Timeline key={`t-${key}`} id={r.id} />
      {conversation && <Conversation key={`c-${key}`} request={r} states={states} />}
      {(conversation || (visible && r.status === "draft" && side === "requester")) && (
        <Attachments key={`a-${key}`} request={r} onChanged={reload} />
      )}
      {conversation && <Receipts key={`r-${key}`} id={r.id} />}
    </section>
  );
}

function stateName(states: State[], alpha2: string): string {
  return states.find((s) => s.alpha2 === alpha2)?.name || alpha2;
}

function levelOf(type: string): string {
  if (type === "criminal_cooperation") return "law_enforcement";
  if (type === "information") return "policy";
  return "technical";
}

/** The TLP 2.0 banner: the label in its colours and what it allows. */
function TlpBanner({ tlp }: { tlp: string }) {
  const { tr } = useApp();
  return (
    <div class="tlp-banner" role="note" id="tlp-banner">
      <TlpLabel tlp={tlp} />
      <span>{tr.t(`tlp.about.${tlp}` as MessageKey)}</span>
    </div>
  );
}

function Header({ request: r, states }: { request: CooperationRequest; states: State[] }) {
  const { tr } = useApp();
  const times: [MessageKey, string | null][] = [
    ["request.created", r.created_at],
    ["request.submittedAt", r.submitted_at],
    ["request.acknowledgedAt", r.acknowledged_at],
    ["request.answeredAt", r.answered_at],
    ["request.finishedAt", r.finished_at],
  ];
  return (
    <article class="card" aria-labelledby="request-summary">
      <h2 id="request-summary">{tr.t("request.summary")}</h2>
      <dl class="pairs" id="request-header">
        <dt>{tr.t("request.from")}</dt>
        <dd>
          <StateLabel alpha2={r.requesting_state} states={states} />
        </dd>
        <dt>{tr.t("request.to")}</dt>
        <dd>
          <StateLabel alpha2={r.requested_state} states={states} />
        </dd>
        <dt>{tr.t("request.type")}</dt>
        <dd>{tr.t(`rtype.${r.type}` as MessageKey)}</dd>
        <dt>{tr.t("request.status")}</dt>
        <dd id="request-status">
          <StatusBadge status={r.status} />
        </dd>
        <dt>{tr.t("request.urgency")}</dt>
        <dd>
          <UrgencyBadge urgency={r.urgency} />
        </dd>
        <dt>{tr.t("request.deadline")}</dt>
        <dd>
          <Deadline request={r} />
        </dd>
        <dt>{tr.t("request.deadlines")}</dt>
        <dd>
          {tr.t("request.due.acknowledge")} <Time iso={r.acknowledge_due_at} />
          {r.acknowledge_overdue_at && (
            <span class="badge overdue-badge"> {tr.t("request.overdue")}</span>
          )}
          <br />
          {tr.t("request.due.answer")} <Time iso={r.answer_due_at} />
          {r.answer_overdue_at && (
            <span class="badge overdue-badge"> {tr.t("request.overdue")}</span>
          )}
        </dd>
        {times
          .filter(([, at]) => at)
          .map(([label, at]) => (
            <>
              <dt>{tr.t(label)}</dt>
              <dd>
                <Time iso={at} />
              </dd>
            </>
          ))}
        {r.escalation_step > 0 && (
          <>
            <dt>{tr.t("request.escalation")}</dt>
            <dd>{tr.t(`escalation.${r.escalation_step}` as MessageKey)}</dd>
          </>
        )}
        {r.routing && (
          <>
            <dt>{tr.t("request.routing")}</dt>
            <dd>
              {tr.t("request.routedTo", {
                count: tr.numberText(r.routing.contacts),
                level: tr.t(`routingLevel.${r.routing.level}` as MessageKey),
              })}
            </dd>
          </>
        )}
        {r.redirected_from && (
          <>
            <dt>{tr.t("request.redirectedFrom")}</dt>
            <dd>
              <a href={`/requests/${encodeURIComponent(r.redirected_from)}`}>
                <code>{r.redirected_from}</code>
              </a>
            </dd>
          </>
        )}
        {r.redirected_to && (
          <>
            <dt>{tr.t("request.redirectedTo")}</dt>
            <dd>
              <a href={`/requests/${encodeURIComponent(r.redirected_to)}`}>
                <code>{r.redirected_to}</code>
              </a>
            </dd>
          </>
        )}
        <dt>{tr.t("request.id")}</dt>
        <dd>
          <code>{r.id}</code> · {tr.t("contact.version", { version: r.version })}
        </dd>
      </dl>
    </article>
  );
}

function Content({ request: r }: { request: CooperationRequest }) {
  const { tr } = useApp();
  const c = r.content!;
  const details = (
    ["mitigation", "assistance", "criminal_cooperation", "vulnerability_notification"] as const
  ).find((key) => c[key]);
  return (
    <article class="card" aria-labelledby="request-content">
      <h2 id="request-content">{tr.t("request.content")}</h2>
      <p class="prewrap" lang={c.language || undefined} dir="auto" id="request-description">
        {c.description}
      </p>
      <dl class="pairs">
        <dt>{tr.t("field.language")}</dt>
        <dd>{c.language ? tr.languageName(c.language) : "—"}</dd>
        <dt>{tr.t("field.sector")}</dt>
        <dd>{c.sector ? tr.t(`sector.${c.sector}` as MessageKey) : "—"}</dd>
        <dt>{tr.t("request.activityStarted")}</dt>
        <dd>
          <Time iso={c.activity_started_at} />
          {c.activity_ongoing && <> · {tr.t("request.ongoing")}</>}
        </dd>
        <dt>{tr.t("field.requested_actions")}</dt>
        <dd>
          {c.requested_actions.length
            ? tr.listText(c.requested_actions.map((a) => tr.t(`action.${a}` as MessageKey)))
            : "—"}
        </dd>
        {details &&
          Object.entries(c[details] as Record<string, unknown>).map(([name, value]) => (
            <>
              <dt>{tr.t(VIEW_LABELS[name] || (`field.${details}.${name}` as MessageKey))}</dt>
              <dd class="prewrap" dir="auto">
                {detailValue(tr, name, value)}
              </dd>
            </>
          ))}
      </dl>
      {c.indicators.length > 0 && (
        <div class="table-wrap">
          <table id="request-indicators">
            <caption>
              {tr.t("request.indicators", { count: tr.numberText(c.indicators.length) })}
            </caption>
            <thead>
              <tr>
                <th scope="col">{tr.t("request.indicatorType")}</th>
                <th scope="col">{tr.t("request.indicatorValue")}</th>
                <th scope="col">{tr.t("request.indicatorNote")}</th>
              </tr>
            </thead>
            <tbody>
              {c.indicators.map((i, n) => (
                <tr key={n}>
                  <td>{tr.t(`indicator.${i.type}` as MessageKey)}</td>
                  <td>
                    <code dir="ltr" class="ltr">
                      {i.value}
                    </code>
                  </td>
                  <td>{i.note || ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </article>
  );
}

/** Times on the page are in the reader's zone (UTC on hover), so their labels say no "UTC". */
const VIEW_LABELS: Record<string, MessageKey> = {
  observed_from: "request.observedFrom",
  observed_to: "request.observedTo",
};

function detailValue(tr: ReturnType<typeof useApp>["tr"], name: string, value: unknown) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return tr.t(value ? "common.yes" : "common.no");
  if (name === "kind") return tr.t(`criminalKind.${value}` as MessageKey);
  if (name.startsWith("observed_")) return <Time iso={String(value)} />;
  return String(value);
}

function Resolution({ request: r }: { request: CooperationRequest }) {
  const { tr } = useApp();
  const res = r.resolution!;
  const rows: [MessageKey, ComponentChildren][] = [];
  if (res.outcome) rows.push(["request.outcome", tr.t(`outcome.${res.outcome}` as MessageKey)]);
  if (res.answer) rows.push(["request.answer", res.answer]);
  if (res.decline_reason)
    rows.push(["request.declineReason", tr.t(`decline.${res.decline_reason}` as MessageKey)]);
  if (res.decline_text) rows.push(["request.declineText", res.decline_text]);
  if (res.redirect_reason) rows.push(["request.redirectReason", res.redirect_reason]);
  if (res.withdraw_reason) rows.push(["request.withdrawReason", res.withdraw_reason]);
  if (res.helpful) rows.push(["request.helpful", tr.t("request.helpfulOf", { n: res.helpful })]);
  if (res.feedback) rows.push(["request.feedback", res.feedback]);
  if (rows.length === 0) return null;
  return (
    <article class="card" aria-labelledby="request-resolution">
      <h2 id="request-resolution">{tr.t("request.resolution")}</h2>
      <dl class="pairs" id="resolution">
        {rows.map(([label, value]) => (
          <>
            <dt>{tr.t(label)}</dt>
            <dd class="prewrap" dir="auto">
              {value}
            </dd>
          </>
        ))}
      </dl>
    </article>
  );
}

/** The buttons for exactly the transitions the person may take; each opens its small form. */
function Transitions({
  loaded,
  states,
  onDone,
  onStale,
}: {
  loaded: Loaded;
  states: State[];
  onDone: (t: Transition) => void;
  onStale: () => void;
}) {
  const { tr, me } = useApp();
  const r = loaded.request;
  const allowed = transitionsFor(r, me);
  const [open, setOpen] = useState<Transition | null>(null);
  const [note, setNote] = useState("");
  const [outcome, setOutcome] = useState("");
  const [reason, setReason] = useState("");
  const [target, setTarget] = useState("");
  const [helpful, setHelpful] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (allowed.length === 0) return null;
  const stale = error instanceof ApiError && error.status === 412;

  async function apply(event: Event) {
    event.preventDefault();
    if (!open) return;
    const body: Record<string, unknown> = {};
    if (note.trim()) body.note = note.trim();
    if (open === "answer") body.outcome = outcome;
    if (open === "decline") body.decline_reason = reason;
    if (open === "redirect") body.redirect_state = target;
    if (open === "close" && helpful) body.helpful = Number(helpful);
    setBusy(true);
    setError(null);
    try {
      await api.postIf(`/requests/${encodeURIComponent(r.id)}/${open}`, body, loaded.etag);
      onDone(open);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const noteRequired =
    open === "answer" || open === "redirect" || (open === "decline" && reason === "other");
  return (
    <article class="card" aria-labelledby="request-actions">
      <h2 id="request-actions">{tr.t("request.actions")}</h2>
      <div class="actions" role="group" aria-label={tr.t("request.actions")}>
        {allowed.map((t) => (
          <button
            key={t}
            type="button"
            class={open === t ? undefined : "secondary"}
            aria-expanded={open === t}
            aria-controls="transition-form"
            onClick={() => {
              setOpen(t);
              setError(null);
            }}
          >
            {tr.t(`transition.${t}` as MessageKey)}
          </button>
        ))}
      </div>
      {open && (
        <form id="transition-form" class="stack" onSubmit={apply}>
          <p class="hint">{tr.t(`transition.about.${open}` as MessageKey)}</p>
          {stale ? (
            <div class="note error" role="alert">
              <p>{tr.t("request.stale")}</p>
              <button type="button" onClick={onStale}>
                {tr.t("contact.reload")}
              </button>
            </div>
          ) : (
            <ErrorNote
              error={error}
              labels={{
                ...templateLabels(tr),
                note: tr.t(`transition.note.${open}` as MessageKey),
                outcome: tr.t("request.outcome"),
                decline_reason: tr.t("request.declineReason"),
                redirect_state: tr.t("request.redirectState"),
              }}
            />
          )}
          {open === "answer" && (
            <SelectField
              id="t-outcome"
              label={tr.t("request.outcome")}
              value={outcome}
              empty={tr.t("request.choose")}
              required
              options={OUTCOMES.map((o) => [o, tr.t(`outcome.${o}` as MessageKey)])}
              onChange={setOutcome}
            />
          )}
          {open === "decline" && (
            <SelectField
              id="t-reason"
              label={tr.t("request.declineReason")}
              value={reason}
              empty={tr.t("request.choose")}
              required
              options={DECLINE_REASONS.map((d) => [d, tr.t(`decline.${d}` as MessageKey)])}
              onChange={setReason}
            />
          )}
          {open === "redirect" && (
            <SelectField
              id="t-target"
              label={tr.t("request.redirectState")}
              value={target}
              empty={tr.t("request.choose")}
              required
              options={states
                .filter(
                  (s) =>
                    s.participating &&
                    s.alpha2 !== r.requested_state &&
                    s.alpha2 !== r.requesting_state,
                )
                .map((s) => [s.alpha2, s.name])}
              onChange={setTarget}
            />
          )}
          {open === "close" && (
            <SelectField
              id="t-helpful"
              label={tr.t("request.helpful")}
              value={helpful}
              empty={tr.t("request.notRated")}
              options={[5, 4, 3, 2, 1].map((n) => [
                String(n),
                tr.t("request.helpfulOf", { n: tr.numberText(n) }),
              ])}
              onChange={setHelpful}
            />
          )}
          {open !== "submit" && (
            <Field id="t-note" label={tr.t(`transition.note.${open}` as MessageKey)}>
              <textarea
                id="t-note"
                rows={4}
                required={noteRequired}
                maxLength={10000}
                value={note}
                onInput={(e) => setNote(e.currentTarget.value)}
              />
            </Field>
          )}
          <div class="actions">
            <button type="submit" disabled={busy} id="transition-confirm">
              {tr.t(`transition.confirm.${open}` as MessageKey)}
            </button>
            <button type="button" class="secondary" onClick={() => setOpen(null)}>
              {tr.t("common.cancel")}
            </button>
          </div>
        </form>
      )}
    </article>
  );
}

function Timeline({ id }: { id: string }) {
  const { tr } = useApp();
  const { data, error } = useLoad(
    () => api.get<{ items: TimelineEntry[] }>(`/requests/${encodeURIComponent(id)}/timeline`),
    [id],
  );
  return (
    <article class="card" aria-labelledby="request-timeline">
      <h2 id="request-timeline">{tr.t("request.timeline")}</h2>
      <ErrorNote error={error} />
      {data && (
        <ol class="timeline" id="timeline">
          {data.body.items.map((e) => (
            <li key={e.seq} data-kind={e.kind}>
              <Time iso={e.at} /> — <strong>{tr.t(`timeline.${e.kind}` as MessageKey)}</strong>
              {e.kind === "escalated" && typeof e.info.step === "string" && (
                <> · {tr.t(`escalationStep.${e.info.step}` as MessageKey)}</>
              )}
              {e.kind === "overdue" && typeof e.info.deadline === "string" && (
                <> · {tr.t(`request.due.${e.info.deadline}` as MessageKey)}</>
              )}
              {e.detail?.outcome != null && (
                <> · {tr.t(`outcome.${e.detail.outcome}` as MessageKey)}</>
              )}
              {e.detail?.decline_reason != null && (
                <> · {tr.t(`decline.${e.detail.decline_reason}` as MessageKey)}</>
              )}
              {typeof e.detail?.note === "string" && (
                <p class="prewrap" dir="auto">
                  {e.detail.note}
                </p>
              )}
            </li>
          ))}
        </ol>
      )}
    </article>
  );
}

function Conversation({ request: r, states }: { request: CooperationRequest; states: State[] }) {
  const { tr } = useApp();
  const path = `/requests/${encodeURIComponent(r.id)}/messages`;
  const { data, error, reload } = useLoad(() => api.get<{ items: RequestMessage[] }>(path), [path]);
  const floor = (r.content?.tlp || "CLEAR") as Tlp;
  const [body, setBody] = useState("");
  const [tlp, setTlp] = useState<Tlp>(floor);
  const [postError, setPostError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function post(event: Event) {
    event.preventDefault();
    if (!body.trim()) return;
    setBusy(true);
    setPostError(null);
    try {
      await api.post<RequestMessage>(path, { body, tlp });
      setBody("");
      reload();
    } catch (e) {
      setPostError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <article class="card" aria-labelledby="request-conversation">
      <h2 id="request-conversation">{tr.t("request.conversation")}</h2>
      <ErrorNote error={error} />
      {data && data.body.items.length === 0 && <p class="muted">{tr.t("request.noMessages")}</p>}
      {data && data.body.items.length > 0 && (
        <ol class="messages" id="messages">
          {data.body.items.map((m) => (
            <li key={m.id} class="message">
              <p class="message-head">
                <StateLabel alpha2={m.author_state} states={states} /> · <Time iso={m.created_at} />{" "}
                · <TlpLabel tlp={m.tlp} />
              </p>
              <p class="prewrap" dir="auto">
                {m.body}
              </p>
            </li>
          ))}
        </ol>
      )}
      <form class="stack" onSubmit={post} aria-labelledby="message-heading">
        <h3 id="message-heading">{tr.t("request.writeMessage")}</h3>
        <ErrorNote error={postError} labels={{ body: tr.t("request.messageBody"), tlp: "TLP" }} />
        <Field id="m-body" label={tr.t("request.messageBody")}>
          <textarea
            id="m-body"
            rows={4}
            required
            maxLength={20000}
            value={body}
            onInput={(e) => setBody(e.currentTarget.value)}
          />
        </Field>
        <Field id="m-tlp" label={tr.t("request.messageTlp")} hint={tr.t("request.messageTlpHint")}>
          <select
            id="m-tlp"
            value={tlp}
            aria-describedby="m-tlp-hint"
            onChange={(e) => setTlp(e.currentTarget.value as Tlp)}
          >
            {TLPS.filter((t) => atLeastAsRestrictive(t, floor)).map((t) => (
              <option key={t} value={t}>
                TLP:{t}
              </option>
            ))}
          </select>
        </Field>
        <div>
          <button type="submit" disabled={busy || !body.trim()}>
            {tr.t("request.send")}
          </button>
        </div>
      </form>
    </article>
  );
}

/** A request's attachments and the upload form. On a draft (only its sender's side sees it) they
 * are the sender organisation's until it submits, and may be removed; removing one changes the
 * draft's version, so `onChanged` reloads the request. */
function Attachments({
  request: r,
  onChanged,
}: {
  request: CooperationRequest;
  onChanged: () => void;
}) {
  const { tr } = useApp();
  const draft = r.status === "draft";
  const [removeError, setRemoveError] = useState<unknown>(null);
  const base = `/requests/${encodeURIComponent(r.id)}/attachments`;
  const { data, error, reload } = useLoad(
    () => api.get<{ items: RequestAttachment[] }>(base),
    [base],
  );
  const floor = (r.content?.tlp || "CLEAR") as Tlp;
  const [file, setFile] = useState<File | null>(null);
  const [tlp, setTlp] = useState<Tlp>(floor);
  const [uploadError, setUploadError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [formKey, setFormKey] = useState(0);

  const uploadProblem = uploadProblemKey(uploadError);

  async function remove(id: string) {
    setRemoveError(null);
    try {
      await api.del(`${base}/${encodeURIComponent(id)}`);
      onChanged();
    } catch (e) {
      setRemoveError(e);
      reload();
    }
  }

  async function upload(event: Event) {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setUploadError(null);
    const query = new URLSearchParams({ filename: file.name, tlp });
    try {
      await api.upload(`${base}?${query}`, file, mediaTypeOf(file.name, file.type));
      setFile(null);
      setFormKey((n) => n + 1);
      reload();
    } catch (e) {
      setUploadError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <article class="card" aria-labelledby="request-attachments">
      <h2 id="request-attachments">{tr.t("request.attachments")}</h2>
      {draft && (
        <p class="note" id="draft-attachments-note">
          {tr.t("request.draftAttachmentsNote")}
        </p>
      )}
      <ErrorNote error={error} />
      <ErrorNote error={removeError} />
      {data && data.body.items.length === 0 && <p class="muted">{tr.t("request.noAttachments")}</p>}
      {data && data.body.items.length > 0 && (
        <div class="table-wrap">
          <table id="attachments">
            <caption class="visually-hidden">{tr.t("request.attachments")}</caption>
            <thead>
              <tr>
                <th scope="col">{tr.t("request.fileName")}</th>
                <th scope="col">{tr.t("request.fileSize")}</th>
                <th scope="col">TLP</th>
                <th scope="col">{tr.t("request.uploaded")}</th>
                <th scope="col">SHA-256</th>
                {draft && <th scope="col">{tr.t("request.removeAttachment")}</th>}
              </tr>
            </thead>
            <tbody>
              {data.body.items.map((a) => (
                <tr key={a.id}>
                  <td>
                    <a href={`/api/v1${base}/${encodeURIComponent(a.id)}`} download={a.filename}>
                      {a.filename}
                    </a>{" "}
                    <span class="muted">({a.media_type})</span>
                  </td>
                  <td class="num">{tr.t("request.bytes", { n: tr.numberText(a.size) })}</td>
                  <td>
                    <TlpLabel tlp={a.tlp} />
                  </td>
                  <td>
                    <Time iso={a.created_at} />
                  </td>
                  <td>
                    <code class="hash" dir="ltr">
                      {a.sha256}
                    </code>
                  </td>
                  {draft && (
                    <td>
                      <button
                        type="button"
                        class="secondary"
                        aria-label={`${tr.t("request.removeAttachment")}: ${a.filename}`}
                        onClick={() => remove(a.id)}
                      >
                        {tr.t("request.removeAttachment")}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form key={formKey} class="inline-form" onSubmit={upload} aria-label={tr.t("request.upload")}>
        <Field id="a-file" label={tr.t("request.file")} hint={tr.t("request.fileHint")}>
          <input
            id="a-file"
            type="file"
            required
            aria-describedby="a-file-hint"
            accept=".pdf,.png,.jpg,.jpeg,.gif,.zip,.txt,.log,.csv,.json,.gz"
            onChange={(e) => setFile(e.currentTarget.files?.[0] || null)}
          />
        </Field>
        <Field id="a-tlp" label={tr.t("request.messageTlp")}>
          <select id="a-tlp" value={tlp} onChange={(e) => setTlp(e.currentTarget.value as Tlp)}>
            {TLPS.filter((t) => atLeastAsRestrictive(t, floor)).map((t) => (
              <option key={t} value={t}>
                TLP:{t}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" disabled={busy || !file}>
          {tr.t("request.upload")}
        </button>
      </form>
      {uploadProblem ? (
        <p class="note error" role="alert">
          {tr.t(uploadProblem)}
        </p>
      ) : (
        <ErrorNote error={uploadError} labels={{ filename: tr.t("request.file"), tlp: "TLP" }} />
      )}
    </article>
  );
}

/** The sentence for a refused upload the server explains by its reason. */
function uploadProblemKey(error: unknown): MessageKey | null {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 413) return "request.tooLarge";
  if (error.problem.reason === "unsupported_media_type") return "request.unsupportedType";
  if (error.problem.reason === "media_type_mismatch") return "request.typeMismatch";
  return null;
}

function Receipts({ id }: { id: string }) {
  const { tr } = useApp();
  const { data, error } = useLoad(
    () =>
      api.get<{ items: Receipt[]; keys: string }>(`/requests/${encodeURIComponent(id)}/receipts`),
    [id],
  );
  return (
    <article class="card" aria-labelledby="request-receipts">
      <h2 id="request-receipts">{tr.t("request.receipts")}</h2>
      <p>{tr.t("request.receiptsAbout")}</p>
      <ErrorNote error={error} />
      {data && data.body.items.length === 0 && <p class="muted">{tr.t("request.noReceipts")}</p>}
      {data && data.body.items.length > 0 && (
        <ul class="plain receipts" id="receipts">
          {data.body.items.map((receipt) => (
            <li key={receipt.seq}>
              <p>
                <strong>{tr.t(`timeline.${receipt.event}` as MessageKey)}</strong> ·{" "}
                <Time iso={receipt.at} /> · {tr.t("request.keyId")}{" "}
                <code dir="ltr">{receipt.key_id}</code>
              </p>
              <details>
                <summary>{tr.t("request.showJws")}</summary>
                <code class="jws" dir="ltr">
                  {receipt.jws}
                </code>
              </details>
            </li>
          ))}
        </ul>
      )}
      {data && (
        <p class="hint">
          {tr.t("request.keysAt")}{" "}
          <a href={data.body.keys} target="_blank" rel="noopener">
            <code dir="ltr">{data.body.keys}</code>
          </a>
        </p>
      )}
    </article>
  );
}
