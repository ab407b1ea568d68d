// One point of contact: its card (channels, languages, local time, working hours, whether it is
// in working hours now) and, for its own organisation's people, an edit form that sends the
// version it read (If-Match) so that no one's change is silently overwritten.

import { useState } from "preact/hooks";
import { api, ApiError, WEEKDAYS, type Contact, type WorkingHours } from "../api";
import { isOperator, useApp } from "../app";
import {
  BackLink,
  ErrorNote,
  Field,
  Heading,
  StateLabel,
  Time,
  useLoad,
  useStates,
} from "../components";
import { splitList } from "../format";
import type { MessageKey } from "../i18n";
import { Availability } from "./contacts";

interface Loaded {
  contact: Contact;
  etag: string;
}

export function ContactScreen({ params }: { params: Record<string, string> }) {
  const { tr, me } = useApp();
  const states = useStates();
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const { data, error, reload, loading } = useLoad<Loaded>(async () => {
    const reply = await api.get<Contact>(`/contacts/${encodeURIComponent(params.id)}`);
    return { contact: reply.body, etag: reply.etag || `"${reply.body.version}"` };
  }, [params.id]);

  if (error) {
    return (
      <section>
        <Heading text={tr.t("contact.title")} />
        <ErrorNote error={error} />
      </section>
    );
  }
  if (!data) return <p role="status">{tr.t("common.loading")}</p>;
  const c = data.contact;
  // The access policy's rule for contact changes (docs/security.md); the server decides anyway.
  const mayEdit =
    isOperator(me) ||
    (me?.organization.id === c.organization_id && !!me?.account.roles.includes("policy"));

  return (
    <section>
      <BackLink
        href={c.state ? `/contacts?state=${c.state}` : "/contacts"}
        text={tr.t("contact.back")}
      />
      <Heading text={c.name} />
      {saved && (
        <p class="note ok" role="status">
          {tr.t("contact.saved")}
        </p>
      )}
      {editing ? (
        <ContactForm
          loaded={data}
          onDone={(changed) => {
            setEditing(false);
            setSaved(changed);
            reload();
          }}
        />
      ) : (
        <article class="card contact-card" aria-busy={loading}>
          <p class="lead">
            {c.title && <span>{c.title} · </span>}
            {c.organization_name}
          </p>
          <dl class="pairs">
            <dt>{tr.t("contacts.state")}</dt>
            <dd>
              <StateLabel alpha2={c.state} states={states} />
            </dd>
            <dt>{tr.t("contacts.level")}</dt>
            <dd>{tr.t(`level.${c.level}` as never)}</dd>
            <dt>{tr.t("contact.emails")}</dt>
            <dd>
              <ul class="plain">
                {c.emails.map((e) => (
                  <li key={e}>
                    <a href={`mailto:${e}`} dir="ltr">
                      {e}
                    </a>
                  </li>
                ))}
              </ul>
            </dd>
            {c.phones && c.phones.length > 0 && (
              <>
                <dt>{tr.t("contact.phones")}</dt>
                <dd>
                  <ul class="plain">
                    {c.phones.map((p) => (
                      <li key={p}>
                        <a href={`tel:${p}`} dir="ltr">
                          {p}
                        </a>
                      </li>
                    ))}
                  </ul>
                </dd>
              </>
            )}
            <dt>{tr.t("contact.languages")}</dt>
            <dd>{tr.listText(c.languages.map((l) => tr.languageName(l)))}</dd>
            <dt>{tr.t("contact.localTime")}</dt>
            <dd>
              {tr.clockIn(c.time_zone)} <span class="muted">({c.time_zone})</span>{" "}
              <Availability contact={c} />
            </dd>
            <dt>{tr.t("contact.hours")}</dt>
            <dd>
              <HoursTable hours={c.working_hours} />
            </dd>
            {c.openpgp_fingerprint && (
              <>
                <dt>{tr.t("contact.pgp")}</dt>
                <dd>
                  <code dir="ltr">{c.openpgp_fingerprint}</code>
                </dd>
              </>
            )}
            {c.notes && (
              <>
                <dt>{tr.t("contact.notes")}</dt>
                <dd>{c.notes}</dd>
              </>
            )}
            <dt>{tr.t("contact.updated")}</dt>
            <dd>
              <Time iso={c.updated_at} /> · {tr.t("contact.version", { version: c.version })}
            </dd>
          </dl>
          {c.stale && (
            <p class="note warn" role="note">
              {tr.t("contact.staleNote")}
            </p>
          )}
          {mayEdit && (
            <p>
              <button
                type="button"
                onClick={() => {
                  setSaved(false);
                  setEditing(true);
                }}
              >
                {tr.t("contact.edit")}
              </button>
            </p>
          )}
        </article>
      )}
    </section>
  );
}

function HoursTable({ hours }: { hours?: WorkingHours }) {
  const { tr } = useApp();
  if (!hours || Object.keys(hours).length === 0) return <span>{tr.t("contact.noHours")}</span>;
  return (
    <table class="compact">
      <caption class="visually-hidden">{tr.t("contact.hours")}</caption>
      <tbody>
        {WEEKDAYS.map((day) => (
          <tr key={day}>
            <th scope="row">{tr.t(`day.${day}` as never)}</th>
            <td dir="ltr">{(hours[day] || []).join(", ") || "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// The contact's text fields in the edit form: the API field, the label, an optional hint, whether
// it is required, and whether it holds a list typed with commas. Values are written left to right
// (addresses, numbers, tags) except name and title.
interface TextSpec {
  field: "name" | "title" | "emails" | "phones" | "languages" | "time_zone";
  label: MessageKey;
  hint?: MessageKey;
  required?: boolean;
  list?: boolean;
  ltr?: boolean;
}

const TEXT_FIELDS: TextSpec[] = [
  { field: "name", label: "contact.name", required: true },
  { field: "title", label: "contact.jobTitle" },
  {
    field: "emails",
    label: "contact.emails",
    hint: "contact.listHint",
    required: true,
    list: true,
    ltr: true,
  },
  { field: "phones", label: "contact.phones", hint: "contact.phonesHint", list: true, ltr: true },
  {
    field: "languages",
    label: "contact.languages",
    hint: "contact.languagesHint",
    required: true,
    list: true,
    ltr: true,
  },
  { field: "time_zone", label: "contact.timeZone", required: true, ltr: true },
];

function ContactForm({ loaded, onDone }: { loaded: Loaded; onDone: (changed: boolean) => void }) {
  const { tr } = useApp();
  const c = loaded.contact;
  const [text, setText] = useState<Record<TextSpec["field"], string>>({
    name: c.name,
    title: c.title || "",
    emails: c.emails.join(", "),
    phones: (c.phones || []).join(", "),
    languages: c.languages.join(", "),
    time_zone: c.time_zone,
  });
  const [always, setAlways] = useState(!!c.available_24_7);
  const [notes, setNotes] = useState(c.notes || "");
  const [hours, setHours] = useState<Record<string, string>>(() => {
    const out: Record<string, string> = {};
    for (const day of WEEKDAYS) out[day] = (c.working_hours?.[day] || []).join(", ");
    return out;
  });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const stale = error instanceof ApiError && error.status === 412;

  async function save(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const working_hours: WorkingHours = {};
    for (const day of WEEKDAYS) {
      const intervals = splitList(hours[day]);
      if (intervals.length) working_hours[day] = intervals;
    }
    const body: Record<string, unknown> = { available_24_7: always, notes, working_hours };
    for (const spec of TEXT_FIELDS) {
      body[spec.field] = spec.list ? splitList(text[spec.field]) : text[spec.field];
    }
    try {
      await api.patch<Contact>(`/contacts/${encodeURIComponent(c.id)}`, body, loaded.etag);
      onDone(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const field = error instanceof ApiError ? error.problem.field : undefined;
  const invalid = (name: string) => (field && field.split(/[.[]/)[0] === name ? true : undefined);
  const labels: Record<string, string> = {
    working_hours: tr.t("contact.hours"),
    notes: tr.t("contact.notes"),
  };
  for (const spec of TEXT_FIELDS) labels[spec.field] = tr.t(spec.label);

  return (
    <form class="card stack" onSubmit={save} aria-labelledby="edit-heading">
      <h2 id="edit-heading">{tr.t("contact.editTitle")}</h2>
      {stale ? (
        <div class="note error" role="alert">
          <p>{tr.t("error.stale")}</p>
          <button type="button" onClick={() => onDone(false)}>
            {tr.t("contact.reload")}
          </button>
        </div>
      ) : (
        <ErrorNote error={error} labels={labels} />
      )}
      {TEXT_FIELDS.map((spec) => {
        const id = `e-${spec.field}`;
        return (
          <Field
            key={spec.field}
            id={id}
            label={tr.t(spec.label)}
            hint={spec.hint && tr.t(spec.hint)}
          >
            <input
              id={id}
              dir={spec.ltr ? "ltr" : undefined}
              required={spec.required}
              maxLength={spec.list ? undefined : 200}
              value={text[spec.field]}
              aria-describedby={spec.hint ? `${id}-hint` : undefined}
              aria-invalid={invalid(spec.field)}
              onInput={(e) => setText({ ...text, [spec.field]: e.currentTarget.value })}
            />
          </Field>
        );
      })}
      <div class="field checkbox">
        <input
          id="e-247"
          type="checkbox"
          checked={always}
          onChange={(e) => setAlways(e.currentTarget.checked)}
        />
        <label for="e-247">{tr.t("contact.always")}</label>
      </div>
      <fieldset>
        <legend>{tr.t("contact.hours")}</legend>
        <p class="hint" id="hours-hint">
          {tr.t("contact.hoursHint")}
        </p>
        <div class="hours-grid">
          {WEEKDAYS.map((day) => (
            <Field key={day} id={`e-h-${day}`} label={tr.t(`day.${day}` as never)}>
              <input
                id={`e-h-${day}`}
                dir="ltr"
                value={hours[day]}
                aria-describedby="hours-hint"
                aria-invalid={invalid("working_hours")}
                onInput={(e) => setHours({ ...hours, [day]: e.currentTarget.value })}
              />
            </Field>
          ))}
        </div>
      </fieldset>
      <Field id="e-notes" label={tr.t("contact.notes")}>
        <textarea
          id="e-notes"
          rows={3}
          maxLength={4000}
          value={notes}
          onInput={(e) => setNotes(e.currentTarget.value)}
        />
      </Field>
      <div class="actions">
        <button type="submit" disabled={busy}>
          {tr.t("common.save")}
        </button>
        <button type="button" class="secondary" onClick={() => onDone(false)}>
          {tr.t("common.cancel")}
        </button>
      </div>
    </form>
  );
}
