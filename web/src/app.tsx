// The application shell: language, who is signed in, the navigation and the route table.
// A new screen is one entry in ROUTES (and, if it belongs in the navigation, in NAV) plus its
// messages in every src/messages/<lang>.json.

import { createContext, type ComponentType } from "preact";
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, ApiError, onUnauthenticated, setCsrfToken, type Me } from "./api";
import {
  direction,
  initialLanguage,
  LANGUAGES,
  loadMessages,
  rememberLanguage,
  Translator,
  type Language,
  type MessageKey,
} from "./i18n";
import { matchPath, navigate, useLocation, type Match } from "./router";
import { AuditScreen } from "./screens/audit";
import { CampaignScreen } from "./screens/campaign";
import { CampaignsScreen } from "./screens/campaigns";
import { ContactScreen } from "./screens/contact";
import { ContactsScreen } from "./screens/contacts";
import { FeedsScreen } from "./screens/feeds";
import { JurisdictionScreen } from "./screens/jurisdiction";
import { LoginScreen } from "./screens/login";
import { ProfileScreen } from "./screens/profile";
import { RequestScreen } from "./screens/request";
import { RequestFormScreen } from "./screens/request_form";
import { RequestsScreen } from "./screens/requests";
import { StatesScreen } from "./screens/states";

export interface AppState {
  tr: Translator;
  me: Me | null;
  setLanguage: (lang: Language) => void;
  refreshMe: () => Promise<void>;
  signOut: () => Promise<void>;
}

export const AppContext = createContext<AppState>(null as unknown as AppState);
export const useApp = () => useContext(AppContext);

export function isOperator(me: Me | null): boolean {
  return !!me?.account.roles.includes("operator");
}

interface Route {
  path: string;
  screen: ComponentType<Match>;
  title: MessageKey;
  /** False for screens anyone may open (only the login today). */
  signedIn: boolean;
}

const ROUTES: Route[] = [
  { path: "/login", screen: LoginScreen, title: "login.title", signedIn: false },
  { path: "/states", screen: StatesScreen, title: "states.title", signedIn: true },
  { path: "/contacts", screen: ContactsScreen, title: "contacts.title", signedIn: true },
  { path: "/contacts/:id", screen: ContactScreen, title: "contact.title", signedIn: true },
  { path: "/requests", screen: RequestsScreen, title: "requests.title", signedIn: true },
  { path: "/requests/new", screen: RequestFormScreen, title: "rform.title", signedIn: true },
  { path: "/requests/:id", screen: RequestScreen, title: "request.title", signedIn: true },
  {
    path: "/requests/:id/edit",
    screen: RequestFormScreen,
    title: "rform.editTitle",
    signedIn: true,
  },
  { path: "/campaigns", screen: CampaignsScreen, title: "campaigns.title", signedIn: true },
  { path: "/campaigns/:id", screen: CampaignScreen, title: "campaign.title", signedIn: true },
  {
    path: "/jurisdiction",
    screen: JurisdictionScreen,
    title: "jurisdiction.title",
    signedIn: true,
  },
  { path: "/jurisdiction/feeds", screen: FeedsScreen, title: "feeds.title", signedIn: true },
  { path: "/audit", screen: AuditScreen, title: "audit.title", signedIn: true },
  { path: "/me", screen: ProfileScreen, title: "profile.title", signedIn: true },
];

interface NavItem {
  href: string;
  label: MessageKey;
  visible: (me: Me) => boolean;
}

const NAV: NavItem[] = [
  { href: "/contacts", label: "nav.contacts", visible: () => true },
  { href: "/states", label: "nav.states", visible: () => true },
  { href: "/requests", label: "nav.requests", visible: () => true },
  { href: "/campaigns", label: "nav.campaigns", visible: () => true },
  { href: "/jurisdiction", label: "nav.jurisdiction", visible: () => true },
  { href: "/audit", label: "nav.audit", visible: () => true },
];

const LANGUAGE_NAMES: Record<Language, string> = {
  ar: "العربية",
  zh: "中文",
  en: "English",
  fr: "Français",
  ru: "Русский",
  es: "Español",
};

export function App() {
  const [lang, setLang] = useState<Language>(initialLanguage);
  const [messages, setMessages] = useState<Record<string, string> | null>(null);
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const location = useLocation();

  useEffect(() => {
    let live = true;
    loadMessages(lang).then((m) => live && setMessages(m));
    document.documentElement.lang = lang;
    document.documentElement.dir = direction(lang);
    return () => {
      live = false;
    };
  }, [lang]);

  const refreshMe = useCallback(async () => {
    try {
      const reply = await api.get<Me>("/me");
      setMe(reply.body);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setMe(null);
      else throw error;
    }
  }, []);

  useEffect(() => {
    refreshMe().catch(() => setMe(null));
    return onUnauthenticated(() => setMe(null));
  }, [refreshMe]);

  const signOut = useCallback(async () => {
    try {
      await api.del("/session");
    } catch {
      // The session may already be gone; either way the browser forgets it.
    }
    setCsrfToken(null);
    setMe(null);
    navigate("/login");
  }, []);

  const setLanguage = useCallback((next: Language) => {
    rememberLanguage(next);
    setLang(next);
  }, []);

  const zone = me?.account.time_zone;
  const tr = useMemo(
    () => (messages ? new Translator(lang, messages, zone) : null),
    [lang, messages, zone],
  );
  const ready = !!tr && me !== undefined;
  useEffect(() => {
    // When the first real screen is on the page: a figure the end-to-end tests report.
    if (ready && performance.getEntriesByName("liaison:first-screen").length === 0) {
      performance.mark("liaison:first-screen");
    }
  }, [ready]);
  if (!tr || me === undefined) return <p class="boot">liaison…</p>;
  const state: AppState = { tr, me, setLanguage, refreshMe, signOut };

  let path = location.path;
  if (path === "/" || path === "") path = me ? "/contacts" : "/login";
  let route: Route | undefined;
  let params: Record<string, string> = {};
  for (const candidate of ROUTES) {
    const found = matchPath(candidate.path, path);
    if (found) {
      route = candidate;
      params = found;
      break;
    }
  }
  if (route?.signedIn && !me) route = ROUTES[0];
  if (route === ROUTES[0] && me) {
    route = ROUTES.find((r) => r.path === "/contacts");
  }

  return (
    <AppContext.Provider value={state}>
      <a class="skip" href="#main">
        {tr.t("nav.skip")}
      </a>
      <header class="top">
        <a class="brand" href={me ? "/contacts" : "/login"}>
          liaison
        </a>
        {me && (
          <nav aria-label={tr.t("nav.label")}>
            <ul>
              {NAV.filter((item) => item.visible(me)).map((item) => (
                <li key={item.href}>
                  <a
                    href={item.href}
                    aria-current={path.startsWith(item.href) ? "page" : undefined}
                  >
                    {tr.t(item.label)}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <div class="top-end">
          <label class="lang">
            <span class="visually-hidden">{tr.t("language.label")}</span>
            <select
              value={lang}
              onChange={(e) =>
                setLanguage((e.currentTarget as HTMLSelectElement).value as Language)
              }
            >
              {LANGUAGES.map((code) => (
                <option key={code} value={code} lang={code}>
                  {LANGUAGE_NAMES[code]}
                </option>
              ))}
            </select>
          </label>
          {me && (
            <>
              <a href="/me" class="who" aria-current={path === "/me" ? "page" : undefined}>
                {me.account.display_name}
              </a>
              <button type="button" class="link-button" onClick={() => void signOut()}>
                {tr.t("nav.signOut")}
              </button>
            </>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {route ? (
          <Screen route={route} params={params} query={location.query} path={path} />
        ) : (
          <NotFound />
        )}
      </main>
    </AppContext.Provider>
  );
}

function Screen({
  route,
  params,
  query,
  path,
}: {
  route: Route;
  params: Record<string, string>;
  query: URLSearchParams;
  path: string;
}) {
  const { tr } = useApp();
  const previous = useRef<string | null>(null);
  useEffect(() => {
    document.title = `${tr.t(route.title)} · liaison`;
    // On a new screen, move focus to its heading so keyboard and screen-reader users start there.
    if (previous.current !== null && previous.current !== path) {
      document.querySelector<HTMLElement>("main h1")?.focus();
    }
    previous.current = path;
  }, [path, tr]);
  const Component = route.screen;
  return <Component params={params} query={query} />;
}

function NotFound() {
  const { tr } = useApp();
  return (
    <section>
      <h1 tabIndex={-1}>{tr.t("notFound.title")}</h1>
      <p>
        <a href="/contacts">{tr.t("nav.contacts")}</a>
      </p>
    </section>
  );
}
