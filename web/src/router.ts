// A tiny client-side router over the History API: routes are path patterns with :params, links
// are ordinary <a href> elements (so they open in new tabs and work with the keyboard), and the
// server answers index.html for any path without a file extension.

import { useEffect, useState } from "preact/hooks";

export interface Match {
  params: Record<string, string>;
  query: URLSearchParams;
}

/** Matches `pattern` ("/campaigns/:id") against `path`; null when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const have = path.split("/").filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(":")) {
      try {
        params[want[i].slice(1)] = decodeURIComponent(have[i]);
      } catch {
        return null;
      }
    } else if (want[i] !== have[i]) {
      return null;
    }
  }
  return params;
}

const listeners = new Set<() => void>();

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === location.pathname + location.search) return;
  if (options.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  listeners.forEach((listener) => listener());
}

/** Listens for back/forward and turns same-origin link clicks into client-side navigations
 * (modifier keys keep their meaning). Called once by main.tsx. */
export function startRouter(): void {
  window.addEventListener("popstate", () => listeners.forEach((listener) => listener()));
  document.addEventListener("click", onClick);
}

function onClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element | null)?.closest?.("a");
  if (!anchor || anchor.target || anchor.hasAttribute("download")) return;
  const url = new URL(anchor.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  if (url.pathname.startsWith("/ack/")) return;
  // In-page links (the skip link to #main) keep the browser's own behaviour.
  if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
}

/** The current location; re-renders the caller on every navigation. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((n) => n + 1);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

/** Replaces the query string without adding a history entry (filters that follow typing). */
export function replaceQuery(query: URLSearchParams): void {
  const text = query.toString();
  navigate(location.pathname + (text ? `?${text}` : ""), { replace: true });
}
