// A new cooperation request, or a draft being edited: the standard template's common fields, the
// fields the chosen type adds (request_template.hpp), indicators pasted one per line and checked
// as they are typed, then "save as draft" or "submit". What the server refuses is shown at the
// field its problem names; a draft edited meanwhile by someone else (412) is not overwritten.

import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type CooperationRequest } from "../api";
import { useApp } from "../app";
import { BackLink, ErrorNote, Heading, useLoad, useStates } from "../components";
import type { MessageKey, Translator } from "../i18n";
import {
  ACTIONS,
  controlOf,
  detailsKey,
  detailFields,
  emptyForm,
  formFromRequest,
  formProblems,
  indicatorLineOf,
  MAX_SUBJECT,
  parseIndicators,
  REQUEST_TYPES,
  requestBody,
  SECTORS,
  TLPS,
  typesFor,
  UN_LANGUAGES,
  URGENCIES,
  chosenActions,
  type DetailField,
  type FormValues,
  type IndicatorLine,
  type RequestType,
} from "../requests";
import { utcText } from "../format";
import { navigate } from "../router";

/** The id of the control for an API path ("mitigation.observed_to" → "rq-mitigation-observed_to"). */
const controlId = (path: string) => `rq-${path.replace(/\./g, "-")}`;

/** The label of an API path ("field.mitigation.evidence"). */
const labelKey = (path: string) => `field.${path}` as MessageKey;

/** Server reasons the form says in the reader's language (others: the server's detail). */
const REASONS: Record<string, string> = {
  required: "required",
  in_the_future: "inTheFuture",
  invalid_window: "invalidWindow",
  must_be_true: "mustBeTrue",
  own_state: "ownState",
  unknown_state: "unknownState",
  duplicate: "duplicate",
  too_long: "tooLong",
};

export function RequestFormScreen({ params }: { params: Record<string, string> }) {
  const { tr } = useApp();
  const editing = !!params.id;
  const { data, error } = useLoad<{
    request: CooperationRequest;
    etag: string;
  } | null>(async () => {
    if (!params.id) return null;
    const reply = await api.get<CooperationRequest>(`/requests/${encodeURIComponent(params.id)}`);
    return { request: reply.body, etag: reply.etag || `"${reply.body.version}"` };
  }, [params.id]);
  const title = tr.t(editing ? "rform.editTitle" : "rform.title");
  if (error) {
    return (
      <section>
        <Heading text={title} />
        <ErrorNote error={error} />
      </section>
    );
  }
  if (editing && !data) return <p role="status">{tr.t("common.loading")}</p>;
  if (data && data.request.status !== "draft") {
    return (
      <section>
        <Heading text={title} />
        <p class="note warn">{tr.t("rform.notDraft")}</p>
        <BackLink href={`/requests/${data.request.id}`} text={tr.t("request.back")} />
      </section>
    );
  }
  return <RequestForm key={params.id || "new"} loaded={data} title={title} />;
}

function RequestForm({
  loaded,
  title,
}: {
  loaded: { request: CooperationRequest; etag: string } | null;
  title: string;
}) {
  const { tr, me } = useApp();
  const states = useStates();
  const uiLanguage = (UN_LANGUAGES as readonly string[]).includes(tr.lang) ? tr.lang : "en";
  const [values, setValues] = useState<FormValues>(() =>
    loaded ? formFromRequest(loaded.request) : emptyForm(uiLanguage),
  );
  const [submitting, setSubmitting] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [etag, setEtag] = useState(loaded?.etag || "");
  const types = typesFor(me?.account.roles || []);
  const ownState = me?.organization.state;
  const type = values.type as RequestType;

  useEffect(() => {
    // A type the account may not send (a draft from someone with other roles) stays shown.
    if (!loaded && types.length && !types.includes(type)) set("type", types[0]);
  }, [types.join()]);

  function set(path: string, value: string) {
    setValues((previous) => ({ ...previous, [path]: value }));
  }

  const problems = formProblems(values, submitting);
  const serverProblem = error instanceof ApiError ? error.problem : null;
  const serverControl = controlOf(serverProblem?.field);
  const stale = serverProblem?.status === 412;

  /** The message shown at a control: the form's own check first, then the server's. */
  function messageFor(path: string): string | null {
    if (problems[path]) return tr.t(`problem.${problems[path]}` as MessageKey);
    if (serverProblem && serverControl === path) {
      const line = indicatorLineOf(serverProblem.field, values.indicators || "");
      const reason = serverProblem.reason && REASONS[serverProblem.reason];
      // An indicator the node refused: the server's own explanation of that line.
      const text = reason
        ? tr.t(`problem.${reason}` as MessageKey)
        : serverProblem.detail || serverProblem.code;
      return line ? tr.t("rform.indicatorLine", { line, problem: text }) : text;
    }
    return null;
  }

  async function save(submit: boolean) {
    setSubmitting(submit);
    setError(null);
    const found = formProblems(values, submit);
    if (Object.keys(found).length) {
      const first = Object.keys(found)[0];
      document.getElementById(controlId(first))?.focus();
      return;
    }
    setBusy(true);
    const body = requestBody(values);
    try {
      let saved: CooperationRequest;
      if (loaded) {
        const reply = await api.patch<CooperationRequest>(
          `/requests/${encodeURIComponent(loaded.request.id)}`,
          body,
          etag,
        );
        saved = reply.body;
        setEtag(reply.etag || `"${saved.version}"`);
        if (submit) {
          const sent = await api.postIf<CooperationRequest>(
            `/requests/${encodeURIComponent(saved.id)}/submit`,
            {},
            reply.etag || `"${saved.version}"`,
          );
          saved = sent.body;
        }
      } else {
        const reply = await api.post<CooperationRequest>("/requests", { ...body, submit });
        saved = reply.body;
      }
      navigate(`/requests/${encodeURIComponent(saved.id)}?${submit ? "sent" : "saved"}=1`);
    } catch (e) {
      setError(e);
      const field = e instanceof ApiError ? controlOf(e.problem.field) : undefined;
      if (field) document.getElementById(controlId(field))?.focus();
    } finally {
      setBusy(false);
    }
  }

  const labels = templateLabels(tr);

  const control = (path: string, children: ComponentChildren, hint?: string) => (
    <FormField
      path={path}
      label={tr.t(labelKey(path))}
      hint={hint}
      message={messageFor(path)}
      required={isRequired(path, values)}
    >
      {children}
    </FormField>
  );
  const aria = (path: string, hint?: boolean) => ({
    id: controlId(path),
    "aria-invalid": messageFor(path) ? ("true" as const) : undefined,
    "aria-describedby":
      [hint ? `${controlId(path)}-hint` : "", messageFor(path) ? `${controlId(path)}-error` : ""]
        .filter(Boolean)
        .join(" ") || undefined,
  });
  const text = (path: string) => ({
    ...aria(path),
    value: values[path] || "",
    onInput: (e: Event) => set(path, (e.currentTarget as HTMLInputElement).value),
  });

  return (
    <section>
      <BackLink href="/requests?box=outbox" text={tr.t("requests.title")} />
      <Heading text={title} />
      <p>{tr.t("rform.intro")}</p>
      <form
        class="card stack request-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void save(true);
        }}
      >
        {stale ? (
          <div class="note error" role="alert">
            <p>{tr.t("error.stale")}</p>
            <button type="button" onClick={() => location.reload()}>
              {tr.t("contact.reload")}
            </button>
          </div>
        ) : serverProblem?.reason === "no_contacts" ? (
          <p class="note error" role="alert">
            {tr.t("rform.noContacts")}
          </p>
        ) : (
          <ErrorNote error={error} labels={labels} />
        )}
        {submitting && Object.keys(problems).length > 0 && (
          <p class="note error" role="alert">
            {tr.t("rform.fix", { count: tr.numberText(Object.keys(problems).length) })}
          </p>
        )}
        <div class="grid-2">
          {control(
            "requested_state",
            <select
              {...aria("requested_state")}
              value={values.requested_state}
              onChange={(e) => set("requested_state", e.currentTarget.value)}
            >
              <option value="">{tr.t("rform.chooseState")}</option>
              {states
                .filter((s) => s.participating && s.alpha2 !== ownState)
                .map((s) => (
                  <option key={s.alpha2} value={s.alpha2}>
                    {s.name}
                  </option>
                ))}
            </select>,
          )}
          {control(
            "type",
            <select
              {...aria("type", true)}
              value={values.type}
              onChange={(e) => set("type", e.currentTarget.value)}
            >
              {(types.includes(type) ? types : [type, ...types]).map((t) => (
                <option key={t} value={t}>
                  {tr.t(`rtype.${t}` as MessageKey)}
                </option>
              ))}
            </select>,
            tr.t(`rtype.about.${type}` as MessageKey),
          )}
          {control(
            "urgency",
            <select
              {...aria("urgency", true)}
              value={values.urgency}
              onChange={(e) => set("urgency", e.currentTarget.value)}
            >
              {URGENCIES.map((u) => (
                <option key={u} value={u}>
                  {tr.t(`urgency.${u}` as MessageKey)}
                </option>
              ))}
            </select>,
            tr.t("rform.urgencyHint"),
          )}
          {control(
            "tlp",
            <select
              {...aria("tlp", true)}
              value={values.tlp}
              onChange={(e) => set("tlp", e.currentTarget.value)}
            >
              {TLPS.map((t) => (
                <option key={t} value={t}>
                  TLP:{t}
                </option>
              ))}
            </select>,
            tr.t(`tlp.about.${values.tlp}` as MessageKey),
          )}
        </div>
        {control("subject", <input {...text("subject")} maxLength={MAX_SUBJECT} />)}
        {control("description", <textarea {...text("description")} rows={6} />)}
        <div class="grid-2">
          {control(
            "language",
            <select
              {...aria("language")}
              value={values.language}
              onChange={(e) => set("language", e.currentTarget.value)}
            >
              {[...new Set([...UN_LANGUAGES, values.language])].filter(Boolean).map((l) => (
                <option key={l} value={l}>
                  {tr.languageName(l)}
                </option>
              ))}
            </select>,
          )}
          {control(
            "sector",
            <select
              {...aria("sector")}
              value={values.sector}
              onChange={(e) => set("sector", e.currentTarget.value)}
            >
              <option value="">{tr.t("rform.noSector")}</option>
              {SECTORS.map((s) => (
                <option key={s} value={s}>
                  {tr.t(`sector.${s}` as MessageKey)}
                </option>
              ))}
            </select>,
          )}
          {control(
            "activity_started_at",
            <input type="datetime-local" {...text("activity_started_at")} dir="ltr" />,
          )}
          <div class="field checkbox">
            <input
              id={controlId("activity_ongoing")}
              type="checkbox"
              checked={values.activity_ongoing === "true"}
              onChange={(e) => set("activity_ongoing", e.currentTarget.checked ? "true" : "")}
            />
            <label for={controlId("activity_ongoing")}>{tr.t("field.activity_ongoing")}</label>
          </div>
        </div>
        {control(
          "indicators",
          <textarea
            {...aria("indicators", true)}
            value={values.indicators}
            rows={6}
            dir="ltr"
            spellcheck={false}
            onInput={(e) => set("indicators", e.currentTarget.value)}
          />,
          tr.t("rform.indicatorsHint"),
        )}
        <IndicatorCheck lines={parseIndicators(values.indicators || "")} />
        <Actions values={values} set={set} message={messageFor("requested_actions")} />
        <Details
          type={type}
          values={values}
          render={(field) => {
            const path = field.path;
            if (field.kind === "check") {
              return (
                <div class="field checkbox" key={path}>
                  <input
                    id={controlId(path)}
                    type="checkbox"
                    checked={values[path] === "true"}
                    aria-invalid={messageFor(path) ? "true" : undefined}
                    aria-describedby={messageFor(path) ? `${controlId(path)}-error` : undefined}
                    onChange={(e) => set(path, e.currentTarget.checked ? "true" : "")}
                  />
                  <label for={controlId(path)}>{tr.t(labelKey(path))}</label>
                  {messageFor(path) && (
                    <small id={`${controlId(path)}-error`} class="field-error">
                      {messageFor(path)}
                    </small>
                  )}
                </div>
              );
            }
            const hint =
              field.kind === "utc"
                ? tr.t("rform.utcHint", { now: utcText(new Date().toISOString()).slice(0, -4) })
                : undefined;
            let input: ComponentChildren;
            if (field.kind === "select") {
              input = (
                <select
                  {...aria(path)}
                  value={values[path]}
                  onChange={(e) => set(path, e.currentTarget.value)}
                >
                  <option value="preservation">{tr.t("criminalKind.preservation")}</option>
                  <option value="other">{tr.t("criminalKind.other")}</option>
                </select>
              );
            } else if (field.kind === "textarea") {
              input = <textarea {...text(path)} rows={3} />;
            } else if (field.kind === "utc") {
              input = (
                <input type="datetime-local" {...text(path)} {...aria(path, true)} dir="ltr" />
              );
            } else {
              input = <input {...text(path)} />;
            }
            return <div key={path}>{control(path, input, hint)}</div>;
          }}
        />
        <div class="actions">
          <button type="submit" disabled={busy}>
            {tr.t("rform.submit")}
          </button>
          <button type="button" class="secondary" disabled={busy} onClick={() => void save(false)}>
            {tr.t("rform.saveDraft")}
          </button>
        </div>
        <p class="hint">{tr.t("rform.submitHint")}</p>
      </form>
    </section>
  );
}

/** The form's names for the API's top-level fields, for problems that name one. */
export function templateLabels(tr: Translator): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const key of [
    "requested_state",
    "type",
    "urgency",
    "tlp",
    "subject",
    "description",
    "language",
    "sector",
    "activity_started_at",
    "activity_ongoing",
    "indicators",
    "requested_actions",
  ]) {
    labels[key] = tr.t(labelKey(key));
  }
  for (const type of REQUEST_TYPES) {
    const key = detailsKey(type);
    if (!key) continue;
    labels[key] = tr.t(`rform.details.${type}` as MessageKey);
    // Every field of the type, the preservation ones included.
    for (const field of detailFields(type, { [`${key}.kind`]: "preservation" })) {
      labels[field.path] = tr.t(labelKey(field.path));
    }
  }
  return labels;
}

function isRequired(path: string, values: FormValues): boolean {
  if (
    ["requested_state", "type", "urgency", "tlp", "subject", "description", "language"].includes(
      path,
    )
  )
    return true;
  return detailFields(values.type as RequestType, values).some(
    (f) => f.path === path && f.required,
  );
}

/** A labelled control with its hint and its problem, both tied to it by aria-describedby. */
function FormField({
  path,
  label,
  hint,
  message,
  required,
  children,
}: {
  path: string;
  label: string;
  hint?: string;
  message: string | null;
  required: boolean;
  children: ComponentChildren;
}) {
  const { tr } = useApp();
  const id = controlId(path);
  return (
    <div class="field">
      <label for={id}>
        {label}
        {required && <span class="required"> ({tr.t("rform.required")})</span>}
      </label>
      {children}
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {message && (
        <small id={`${id}-error`} class="field-error">
          {message}
        </small>
      )}
    </div>
  );
}

/** What the indicators field holds, line by line, as it is typed. */
function IndicatorCheck({ lines }: { lines: IndicatorLine[] }) {
  const { tr } = useApp();
  if (lines.length === 0) return null;
  const bad = lines.filter((line) => line.problem);
  const counts = new Map<string, number>();
  for (const line of lines)
    if (!line.problem) counts.set(line.type, (counts.get(line.type) || 0) + 1);
  return (
    <div class="indicator-check" aria-live="polite" id="indicator-check">
      <p class={bad.length ? "note error" : "note ok"}>
        {tr.t("rform.indicatorsSummary", {
          count: tr.numberText(lines.length - bad.length),
          bad: tr.numberText(bad.length),
        })}{" "}
        {[...counts.entries()]
          .map(([type, n]) => `${tr.t(`indicator.${type}` as MessageKey)}: ${tr.numberText(n)}`)
          .join(tr.t("common.listSeparator"))}
      </p>
      {bad.length > 0 && (
        <ul id="indicator-problems">
          {bad.slice(0, 20).map((line) => (
            <li key={line.line}>
              {tr.t("rform.indicatorLine", {
                line: tr.numberText(line.line),
                problem: tr.t(`indicator.problem.${line.problem}` as MessageKey),
              })}{" "}
              <code dir="ltr">{line.value}</code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Actions({
  values,
  set,
  message,
}: {
  values: FormValues;
  set: (path: string, value: string) => void;
  message: string | null;
}) {
  const { tr } = useApp();
  const chosen = chosenActions(values);
  function toggle(action: string, on: boolean) {
    const next = on ? [...chosen, action] : chosen.filter((a) => a !== action);
    set("requested_actions", ACTIONS.filter((a) => next.includes(a)).join(","));
  }
  return (
    <fieldset
      id={controlId("requested_actions")}
      tabIndex={-1}
      aria-invalid={message ? "true" : undefined}
      aria-describedby={message ? `${controlId("requested_actions")}-error` : undefined}
    >
      <legend>{tr.t("field.requested_actions")}</legend>
      <div class="checks">
        {ACTIONS.map((action) => (
          <div class="field checkbox" key={action}>
            <input
              id={`rq-action-${action}`}
              type="checkbox"
              checked={chosen.includes(action)}
              onChange={(e) => toggle(action, e.currentTarget.checked)}
            />
            <label for={`rq-action-${action}`}>{tr.t(`action.${action}` as MessageKey)}</label>
          </div>
        ))}
      </div>
      {message && (
        <small id={`${controlId("requested_actions")}-error`} class="field-error">
          {message}
        </small>
      )}
    </fieldset>
  );
}

function Details({
  type,
  values,
  render,
}: {
  type: RequestType;
  values: FormValues;
  render: (field: DetailField) => ComponentChildren;
}) {
  const { tr } = useApp();
  const fields = detailFields(type, values);
  if (fields.length === 0) return null;
  return (
    <fieldset id="rq-details">
      <legend>{tr.t(`rform.details.${type}` as MessageKey)}</legend>
      {type === "criminal_cooperation" &&
        values["criminal_cooperation.kind"] === "preservation" && (
          <p class="hint">{tr.t("rform.budapest")}</p>
        )}
      {fields.map(render)}
    </fieldset>
  );
}
