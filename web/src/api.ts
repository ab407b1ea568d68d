// The only way the interface talks to the server: the public HTTP API under /api/v1, with the
// session cookie and the X-CSRF-Token header on every change. Errors come back as ApiError
// carrying the server's problem+json (code, reason, field) so screens can say what went wrong.

const CSRF_KEY = "liaison.csrf";

export interface Problem {
  status: number;
  code: string;
  reason?: string;
  detail?: string;
  field?: string;
  title?: string;
}

export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail || problem.title || problem.code);
    this.problem = problem;
  }
  get status(): number {
    return this.problem.status;
  }
}

export function csrfToken(): string | null {
  return localStorage.getItem(CSRF_KEY);
}

export function setCsrfToken(token: string | null): void {
  if (token) localStorage.setItem(CSRF_KEY, token);
  else localStorage.removeItem(CSRF_KEY);
}

export interface Reply<T> {
  body: T;
  etag: string | null;
}

type Query = Record<string, string | number | boolean | undefined | null>;

/** A path with the query parameters that are set (empty strings and nulls are left out). */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** Listeners told when the server says the session is gone (401), so the app shows the login. */
const unauthenticatedListeners = new Set<() => void>();
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

export async function request<T>(
  method: string,
  path: string,
  options: {
    body?: unknown;
    /** A body sent as it is (a file), with its media type, instead of JSON. */
    raw?: { body: Blob; type: string };
    ifMatch?: string | null;
    quiet401?: boolean;
  } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.raw) headers["Content-Type"] = options.raw.type;
  if (method !== "GET" && method !== "HEAD") {
    const csrf = csrfToken();
    if (csrf) headers["X-CSRF-Token"] = csrf;
  }
  if (options.ifMatch) headers["If-Match"] = options.ifMatch;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: "same-origin",
      body: options.raw
        ? options.raw.body
        : options.body === undefined
          ? undefined
          : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError({ status: 0, code: "network", detail: "network" });
  }
  const etag = response.headers.get("ETag");
  if (response.status === 204) return { body: undefined as T, etag };
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const problem = (parsed && typeof parsed === "object" ? parsed : {}) as Partial<Problem>;
    const error = new ApiError({
      status: response.status,
      code: problem.code || "unknown",
      reason: problem.reason,
      detail: problem.detail,
      field: problem.field,
      title: problem.title,
    });
    if (response.status === 401 && !options.quiet401) {
      unauthenticatedListeners.forEach((listener) => listener());
    }
    throw error;
  }
  return { body: parsed as T, etag };
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>("GET", withQuery(path, query)),
  post: <T>(path: string, body: unknown) => request<T>("POST", path, { body }),
  patch: <T>(path: string, body: unknown, ifMatch: string) =>
    request<T>("PATCH", path, { body, ifMatch }),
  /** A POST that changes a versioned record (a request's transition), with If-Match. */
  postIf: <T>(path: string, body: unknown, ifMatch: string | null) =>
    request<T>("POST", path, { body, ifMatch }),
  del: (path: string, ifMatch?: string) => request<void>("DELETE", path, { ifMatch }),
  upload: <T>(path: string, body: Blob, type: string) =>
    request<T>("POST", path, { raw: { body, type } }),
};

// ---- the API's records, as the interface uses them (see docs/openapi.yaml) -------------------

export type Level = "policy" | "technical";
export type RegionalGroup =
  | "african"
  | "asia_pacific"
  | "eastern_european"
  | "latin_american_caribbean"
  | "western_european_and_others"
  | "none";
export const REGIONAL_GROUPS: RegionalGroup[] = [
  "african",
  "asia_pacific",
  "eastern_european",
  "latin_american_caribbean",
  "western_european_and_others",
];

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface Account {
  id: string;
  organization_id: string;
  email: string;
  display_name: string;
  roles: string[];
  language?: string;
  time_zone?: string;
}

export interface Organization {
  id: string;
  name: string;
  category: "state" | "non_state" | "secretariat";
  kind: string;
  state: string | null;
  website: string | null;
  version: number;
}

export interface Me {
  account: Account;
  organization: Organization;
  via?: string;
}

export interface SessionCreated {
  csrf_token: string;
  expires_at: string;
  account: Account;
}

export interface State {
  alpha2: string;
  alpha3: string;
  name: string;
  names: Record<string, string>;
  un_status: "member" | "observer";
  regional_group: RegionalGroup;
  participating: boolean;
}

export type WorkingHours = Partial<Record<Weekday, string[]>>;
export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";
export const WEEKDAYS: Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export interface Contact {
  id: string;
  organization_id: string;
  organization_name?: string;
  state: string | null;
  level: Level;
  name: string;
  title?: string;
  emails: string[];
  phones?: string[];
  languages: string[];
  time_zone: string;
  working_hours?: WorkingHours;
  available_24_7?: boolean;
  openpgp_fingerprint?: string | null;
  preferred_channels?: string[];
  notes?: string;
  stale: boolean;
  in_working_hours_now: boolean;
  version: number;
  created_at: string;
  updated_at: string;
}

export type CampaignLevel = "policy" | "technical" | "both";
export interface Campaign {
  id: string;
  organization_id: string;
  owner_state?: string | null;
  created_by: string;
  scope: "all" | "group" | "states";
  group?: RegionalGroup | null;
  states: string[];
  level: CampaignLevel;
  deadline: string;
  created_at: string;
  closed_at?: string | null;
  targets: number;
  acknowledged: number;
  emails_queued: number;
  sent?: number;
  closed?: boolean;
}

export interface ReportRow {
  state: string;
  level: Level | null;
  targets: number;
  reached_24h: number;
  reached_by_deadline: number;
  not_reached: number;
  median_hours: number | null;
  mean_hours: number | null;
  median_working_hours: number | null;
  mean_working_hours: number | null;
}

export interface CampaignReport {
  campaign: Campaign;
  rows: ReportRow[];
  total: ReportRow;
  generated_at: string;
}

export interface AuditEntry {
  seq: number;
  at: string;
  account_id: string;
  organization_id?: string;
  action: string;
  record_type: string;
  record_id: string;
  hash: string;
}

export interface AuditVerifyReport {
  ok: boolean;
  entries_checked: number;
  first_bad_seq?: number;
  problem?: string;
  detail?: string;
}

// ---- jurisdiction (docs/api.md, "Jurisdiction") -------------------------------------------------

export interface JurisdictionInfo {
  country: string | null;
  state: string | null;
  status: string;
  administered_by: string | null;
  note: string | null;
}

export interface IpRange {
  first: string;
  last: string;
}

export interface CountryShare {
  country: string | null;
  state: string | null;
  status: string;
  /** A decimal string: an IPv6 prefix can hold more addresses than a number can count. */
  addresses: string;
}

export interface IpAnswer {
  address: string;
  family: "ipv4" | "ipv6";
  country: string | null;
  state: string | null;
  jurisdiction: JurisdictionInfo | null;
  range: IpRange;
  as: { number: number; name: string; range: IpRange } | null;
  data_version: string;
}

export interface PrefixAnswer {
  prefix: string;
  family: "ipv4" | "ipv6";
  first: string;
  last: string;
  states: string[];
  countries: CountryShare[];
  as_numbers: number[];
  as_numbers_truncated: boolean;
  data_version: string;
}

export interface AsAnswer {
  number: number;
  names: string[];
  states: string[];
  countries_v4: CountryShare[];
  countries_v6: CountryShare[];
  range_count: number;
  ranges: IpRange[];
  ranges_truncated: boolean;
  data_version: string;
}

export interface DomainAnswer {
  name: string;
  tld: string;
  tld_unicode: string | null;
  country: string;
  state: string | null;
  jurisdiction: JurisdictionInfo;
  note: string | null;
}

export type LookupAnswer =
  | ({ kind: "ip" } & IpAnswer)
  | ({ kind: "prefix" } & PrefixAnswer)
  | ({ kind: "asn" } & AsAnswer)
  | ({ kind: "domain" } & DomainAnswer);

export type BatchResult =
  | (LookupAnswer & { item: string; error?: undefined })
  | { item: string; error: { code: string; reason: string | null; message: string } };

export interface BatchReply {
  data_version: string;
  count: number;
  failed: number;
  results: BatchResult[];
}

export interface StateGroup {
  /** The state ("FR"), "no-state-<country>" or "unattributed". */
  group: string;
  state: string | null;
  countries: string[];
  observations: number;
  distinct_addresses: number;
  distinct_as_numbers: number;
  categories: Record<string, number>;
}

/** A draft mitigation request a report made (POST /jurisdiction/reports?drafts=true). */
export interface DraftRequest {
  id: string;
  requested_state: string;
  status: string;
  version: number;
  tlp: string;
  urgency: string;
  language: string;
  subject: string;
  /** Addresses listed as indicators (at most max_indicators). */
  indicators: number;
  distinct_addresses: number;
  observations: number;
}

/** A group the report made no draft for, and why. */
export interface SkippedGroup {
  group: string;
  state: string | null;
  reason: "own_state" | "no_state" | "not_on_node";
  observations: number;
}

export interface FeedReport {
  data_version: string;
  address_column: string;
  category_column: string | null;
  lines: number;
  observations: number;
  malformed: number;
  errors: { line: number; message: string }[];
  states: StateGroup[];
  drafts: DraftRequest[];
  skipped: SkippedGroup[];
}

// ---- cooperation requests (docs/api.md, "Cooperation requests") ------------------------------

export interface RequestContent {
  subject: string;
  description: string;
  language: string;
  tlp: "CLEAR" | "GREEN" | "AMBER" | "AMBER+STRICT" | "RED";
  sector: string | null;
  activity_started_at: string | null;
  activity_ongoing: boolean | null;
  indicators: { type: string; value: string; note?: string }[];
  requested_actions: string[];
  mitigation?: {
    evidence: string;
    observed_from: string | null;
    observed_to: string | null;
    impact: string;
  };
  assistance?: { help_needed: string };
  criminal_cooperation?: Record<string, string | boolean | null>;
  vulnerability_notification?: { affected: string; remedies: string };
}

export interface CooperationRequest {
  id: string;
  version: number;
  type: string;
  urgency: string;
  status: string;
  requesting_state: string;
  requesting_organization_id: string;
  requested_state: string;
  created_at: string;
  updated_at: string;
  submitted_at: string | null;
  acknowledged_at: string | null;
  answered_at: string | null;
  finished_at: string | null;
  acknowledge_due_at: string | null;
  answer_due_at: string | null;
  acknowledge_overdue_at: string | null;
  answer_overdue_at: string | null;
  escalation_step: number;
  redirected_from: string | null;
  redirected_to: string | null;
  content_visible: boolean;
  sender_account_id: string | null;
  content: RequestContent | null;
  resolution: {
    outcome: string | null;
    answer: string;
    decline_reason: string | null;
    decline_text: string;
    redirect_reason: string;
    withdraw_reason: string;
    helpful: number | null;
    feedback: string;
  } | null;
  routing: { level: string; fell_back_to_policy: boolean; contacts: number } | null;
  /** Set when the request went to the policy contacts for want of the type's level. */
  notice?: string;
}

export interface TimelineEntry {
  seq: number;
  at: string;
  kind: string;
  actor_account_id: string;
  actor_organization_id: string;
  from_status: string | null;
  to_status: string | null;
  info: Record<string, unknown>;
  detail: Record<string, unknown> | null;
}

export interface RequestMessage {
  id: string;
  request_id: string;
  in_reply_to: string | null;
  author_account_id: string;
  author_organization_id: string;
  author_state: string;
  tlp: string;
  body: string;
  attachment_ids: string[];
  created_at: string;
}

export interface RequestAttachment {
  id: string;
  request_id: string;
  filename: string;
  media_type: string;
  sha256: string;
  size: number;
  tlp: string;
  uploaded_by: string;
  created_at: string;
}

export interface Receipt {
  seq: number;
  event: string;
  at: string;
  key_id: string;
  jws: string;
}
