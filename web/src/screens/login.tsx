import { useState } from "preact/hooks";
import { api, setCsrfToken, type SessionCreated } from "../api";
import { useApp } from "../app";
import { ErrorNote, Field, Heading } from "../components";
import { navigate } from "../router";

export function LoginScreen() {
  const { tr, refreshMe } = useApp();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const reply = await api.post<SessionCreated>("/session", { email, password });
      setCsrfToken(reply.body.csrf_token);
      await refreshMe();
      // Signed in from a deep link (/campaigns/…): stay there; otherwise open the directory.
      if (location.pathname === "/login" || location.pathname === "/") {
        navigate("/contacts", { replace: true });
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="narrow">
      <Heading text={tr.t("login.title")} />
      <p>{tr.t("login.intro")}</p>
      <form onSubmit={submit} class="card stack">
        <Field id="login-email" label={tr.t("login.email")}>
          <input
            id="login-email"
            type="email"
            autocomplete="username"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </Field>
        <Field id="login-password" label={tr.t("login.password")}>
          <input
            id="login-password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
        <ErrorNote error={error} />
        <div>
          <button type="submit" disabled={busy}>
            {tr.t("login.submit")}
          </button>
        </div>
      </form>
    </section>
  );
}
