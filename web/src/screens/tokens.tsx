// The signed-in person's API tokens (for programs that call the API): list, issue (the secret
// is shown once) and revoke. Shown on "My account".

import { useState } from "preact/hooks";
import { api, type Page } from "../api";
import { useApp } from "../app";
import { ErrorNote, Field, Time, useLoad } from "../components";

interface Token {
  id: string;
  name: string;
  created_at?: string;
  expires_at: string;
  revoked_at?: string | null;
  last_used_at?: string | null;
}

export function TokensSection() {
  const { tr } = useApp();
  const list = useLoad(() => api.get<Page<Token>>("/tokens"), []);
  const [name, setName] = useState("");
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function issue(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const reply = await api.post<{ token: string }>("/tokens", { name: name.trim() });
      setSecret(reply.body.token);
      setName("");
      list.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(id: string) {
    setError(null);
    try {
      await api.del(`/tokens/${encodeURIComponent(id)}`);
      list.reload();
    } catch (e) {
      setError(e);
    }
  }

  const tokens = (list.data?.body.items || []).filter((t) => !t.revoked_at);
  return (
    <section class="card" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">{tr.t("tokens.title")}</h2>
      <p class="hint">{tr.t("tokens.intro")}</p>
      <ErrorNote error={list.error || error} />
      {secret && (
        <div class="note ok" role="status">
          <p>{tr.t("tokens.shownOnce")}</p>
          <p>
            <code dir="ltr" class="secret">
              {secret}
            </code>
          </p>
        </div>
      )}
      {tokens.length === 0 ? (
        <p>{tr.t("tokens.none")}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">{tr.t("tokens.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{tr.t("tokens.name")}</th>
                <th scope="col">{tr.t("tokens.created")}</th>
                <th scope="col">{tr.t("tokens.expires")}</th>
                <th scope="col">{tr.t("tokens.lastUsed")}</th>
                <th scope="col">
                  <span class="visually-hidden">{tr.t("tokens.revoke")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>
                    <Time iso={t.created_at} />
                  </td>
                  <td>
                    <Time iso={t.expires_at} />
                  </td>
                  <td>
                    <Time iso={t.last_used_at} />
                  </td>
                  <td>
                    <button
                      type="button"
                      class="secondary"
                      aria-label={tr.t("tokens.revokeNamed", { name: t.name })}
                      onClick={() => void revoke(t.id)}
                    >
                      {tr.t("tokens.revoke")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form onSubmit={issue} class="inline-form">
        <Field id="token-name" label={tr.t("tokens.name")}>
          <input
            id="token-name"
            required
            maxLength={200}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        <button type="submit" disabled={busy || !name.trim()}>
          {tr.t("tokens.issue")}
        </button>
      </form>
    </section>
  );
}
