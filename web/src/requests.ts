// Cooperation requests in the browser: the template's vocabularies, the fields each request type
// adds, indicators pasted one per line (typed and checked as the server checks them, see
// src/requests/request_template.cpp), the request body the form sends, and which lifecycle
// transitions a person may take. Pure functions, unit-tested in requests.test.ts; the server
// decides in the end.

import type { CooperationRequest, Me } from "./api";

export const REQUEST_TYPES = [
  "mitigation",
  "assistance",
  "criminal_cooperation",
  "information",
  "incident_notification",
  "vulnerability_notification",
] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export const URGENCIES = ["critical", "urgent", "routine"] as const;
export type Urgency = (typeof URGENCIES)[number];

/** TLP 2.0, from least to most restrictive. */
export const TLPS = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"] as const;
export type Tlp = (typeof TLPS)[number];

export const SECTORS = [
  "energy",
  "water",
  "health",
  "finance",
  "transport",
  "telecommunications",
  "government_services",
  "elections",
  "emergency_services",
  "food",
  "space",
  "other",
] as const;

export const ACTIONS = [
  "block_or_sinkhole",
  "take_down",
  "preserve_logs",
  "identify_operator",
  "share_information",
  "investigate",
  "none",
] as const;
export type RequestedAction = (typeof ACTIONS)[number];

export const INDICATOR_TYPES = [
  "ipv4",
  "ipv6",
  "ipv4_prefix",
  "ipv6_prefix",
  "domain",
  "url",
  "md5",
  "sha1",
  "sha256",
  "sha512",
  "email",
] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

export const STATUSES = [
  "draft",
  "submitted",
  "acknowledged",
  "in_progress",
  "answered",
  "closed",
  "declined",
  "redirected",
  "withdrawn",
] as const;
export type RequestStatus = (typeof STATUSES)[number];

export const OUTCOMES = [
  "mitigated",
  "partially_mitigated",
  "could_not_be_mitigated",
  "no_malicious_activity_found",
  "not_within_jurisdiction",
] as const;

export const DECLINE_REASONS = [
  "insufficient_information",
  "outside_mandate",
  "legal_impediment",
  "duplicate",
  "lack_of_resources",
  "other",
] as const;

export const MAX_INDICATORS = 1000;
export const MAX_SUBJECT = 200;
export const MAX_DESCRIPTION = 20000;
export const MAX_DETAIL = 10000;
export const UN_LANGUAGES = ["ar", "zh", "en", "fr", "ru", "es"] as const;

/** Whether `tlp` is at least as restrictive as `than`. */
export function atLeastAsRestrictive(tlp: Tlp, than: Tlp): boolean {
  return TLPS.indexOf(tlp) >= TLPS.indexOf(than);
}

/** The request types an account with `roles` may send and handle (FittingRoles on the server:
 * policy any; technical the technical types; law_enforcement criminal cooperation). */
export function typesFor(roles: string[]): RequestType[] {
  return REQUEST_TYPES.filter(
    (type) =>
      roles.includes("policy") ||
      (roles.includes("law_enforcement") && type === "criminal_cooperation") ||
      (roles.includes("technical") && type !== "criminal_cooperation" && type !== "information"),
  );
}

// ---- indicators ---------------------------------------------------------------------------------

/** Why an indicator is refused (a message key suffix: `indicator.problem.<reason>`). */
export type IndicatorProblem =
  "ipv4" | "ipv6" | "prefixLength" | "hostBits" | "domain" | "url" | "hash" | "email" | "note";

function isIpv4(text: string): boolean {
  // Dotted decimal with four parts of 0-255 and no leading zeros, as inet_pton accepts.
  return /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(text);
}

/** The 8 groups of an IPv6 address, or null when `text` is not one (the WHATWG URL parser
 * checks it; zone identifiers are refused as inet_pton does). */
function ipv6Groups(text: string): number[] | null {
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || !text.includes(":")) return null;
  let host: string;
  try {
    host = new URL(`http://[${text}]/`).hostname;
  } catch {
    return null;
  }
  const inner = host.slice(1, -1);
  const [head, tail] = inner.includes("::") ? inner.split("::") : [inner, null];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === null && missing !== 0)) return null;
  return [...left, ...Array(missing).fill("0"), ...right].map((g) => parseInt(g, 16));
}

function isLdhLabel(label: string): boolean {
  return /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label);
}

/** A domain of at least two letter-digit-hyphen labels (IDNs as xn--), not ending in a number. */
export function isDomain(text: string): boolean {
  const domain = text.endsWith(".") ? text.slice(0, -1) : text;
  if (!domain || domain.length > 253) return false;
  const labels = domain.split(".");
  return labels.length >= 2 && labels.every(isLdhLabel) && !/^\d+$/.test(labels.at(-1)!);
}

function isEmail(text: string): boolean {
  const at = text.lastIndexOf("@");
  if (at <= 0 || text.length > 254) return false;
  const local = text.slice(0, at);
  if (local.length > 64 || local.startsWith(".") || local.endsWith(".") || local.includes(".."))
    return false;
  return /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(local) && isDomain(text.slice(at + 1));
}

function urlProblem(text: string): boolean {
  if (text.length > 2048 || /[^\x21-\x7e]/.test(text)) return true;
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(text);
  if (!match || !["http", "https", "ftp"].includes(match[1].toLowerCase())) return true;
  let authority = match[2].slice(match[2].lastIndexOf("@") + 1);
  let host: string;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close < 0 || !ipv6Groups(authority.slice(1, close))) return true;
    authority = authority.slice(close + 1);
  } else {
    const colon = authority.indexOf(":");
    host = colon < 0 ? authority : authority.slice(0, colon);
    authority = colon < 0 ? "" : authority.slice(colon);
    if (!isIpv4(host) && !isDomain(host)) return true;
  }
  if (authority) {
    if (!authority.startsWith(":")) return true;
    const port = authority.slice(1);
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return true;
  }
  return false;
}

const HASH_LENGTHS: Record<number, IndicatorType> = {
  32: "md5",
  40: "sha1",
  64: "sha256",
  128: "sha512",
};

/** The type a pasted value most likely has: a URL has "://", an e-mail address "@", a hash is
 * 32/40/64/128 hex digits, a prefix has "/", an IPv6 address ":", an IPv4 address only digits
 * and dots; anything else is taken for a domain. */
export function guessIndicatorType(value: string): IndicatorType {
  const text = value.trim();
  if (text.includes("://")) return "url";
  if (text.includes("@")) return "email";
  if (/^[0-9A-Fa-f]+$/.test(text) && HASH_LENGTHS[text.length]) return HASH_LENGTHS[text.length];
  if (text.includes("/")) return text.includes(":") ? "ipv6_prefix" : "ipv4_prefix";
  if (text.includes(":")) return "ipv6";
  if (/^[0-9.]+$/.test(text)) return "ipv4";
  return "domain";
}

/** What is wrong with `value` as an indicator of `type`, or null when the server accepts it. */
export function indicatorProblem(type: IndicatorType, value: string): IndicatorProblem | null {
  const text = value.trim();
  switch (type) {
    case "ipv4":
      return isIpv4(text) ? null : "ipv4";
    case "ipv6":
      return ipv6Groups(text) ? null : "ipv6";
    case "ipv4_prefix":
    case "ipv6_prefix": {
      const slash = text.indexOf("/");
      const v4 = type === "ipv4_prefix";
      const address = text.slice(0, slash);
      const length = text.slice(slash + 1);
      if (slash < 0) return v4 ? "ipv4" : "ipv6";
      if (!/^\d{1,3}$/.test(length) || Number(length) > (v4 ? 32 : 128)) return "prefixLength";
      const bits = Number(length);
      let groups: number[] | null;
      let width: number;
      if (v4) {
        groups = isIpv4(address) ? address.split(".").map(Number) : null;
        width = 8;
      } else {
        groups = ipv6Groups(address);
        width = 16;
      }
      if (!groups) return v4 ? "ipv4" : "ipv6";
      for (let bit = bits; bit < groups.length * width; bit++) {
        const group = groups[Math.floor(bit / width)];
        if (group & (1 << (width - 1 - (bit % width)))) return "hostBits";
      }
      return null;
    }
    case "domain":
      return isDomain(text) ? null : "domain";
    case "url":
      return urlProblem(text) ? "url" : null;
    case "md5":
    case "sha1":
    case "sha256":
    case "sha512": {
      const digits = Number(Object.keys(HASH_LENGTHS).find((n) => HASH_LENGTHS[+n] === type));
      return text.length === digits && /^[0-9A-Fa-f]+$/.test(text) ? null : "hash";
    }
    case "email":
      return isEmail(text) ? null : "email";
  }
}

export interface Indicator {
  type: IndicatorType;
  value: string;
  note?: string;
}

/** One non-blank line of the indicators field: the value (up to the first space), the note
 * (the rest of the line), the guessed type and what is wrong with it. */
export interface IndicatorLine {
  line: number;
  value: string;
  note: string;
  type: IndicatorType;
  problem: IndicatorProblem | null;
}

/** The indicators typed one per line ("198.51.100.7 bot controller"). */
export function parseIndicators(text: string): IndicatorLine[] {
  const out: IndicatorLine[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (!trimmed) return;
    const space = trimmed.search(/\s/);
    const value = space < 0 ? trimmed : trimmed.slice(0, space);
    const note = space < 0 ? "" : trimmed.slice(space).trim();
    const type = guessIndicatorType(value);
    const problem = note.length > 500 ? "note" : indicatorProblem(type, value);
    out.push({ line: index + 1, value, note, type, problem });
  });
  return out;
}

/** Indicators back as the text the field shows (for editing a draft). */
export function indicatorsText(indicators: { value: string; note?: string }[]): string {
  return indicators.map((i) => (i.note ? `${i.value} ${i.note}` : i.value)).join("\n");
}

// ---- the fields of each type --------------------------------------------------------------------

export type FieldKind = "text" | "textarea" | "utc" | "select" | "check";

/** A field a type adds, by its API path ("mitigation.evidence"). */
export interface DetailField {
  path: string;
  kind: FieldKind;
  required: boolean;
  /** Only shown for a criminal-cooperation request of kind "preservation". */
  preservation?: boolean;
}

const DETAILS: Record<RequestType, DetailField[]> = {
  mitigation: [
    { path: "mitigation.evidence", kind: "textarea", required: true },
    { path: "mitigation.observed_from", kind: "utc", required: true },
    { path: "mitigation.observed_to", kind: "utc", required: true },
    { path: "mitigation.impact", kind: "textarea", required: true },
  ],
  assistance: [{ path: "assistance.help_needed", kind: "textarea", required: true }],
  criminal_cooperation: [
    { path: "criminal_cooperation.kind", kind: "select", required: true },
    { path: "criminal_cooperation.authority", kind: "text", required: true },
    { path: "criminal_cooperation.offence", kind: "text", required: true },
    { path: "criminal_cooperation.facts", kind: "textarea", required: true },
    ...(["data_to_preserve", "relation_to_offence", "data_location", "necessity"] as const).map(
      (name) => ({
        path: `criminal_cooperation.${name}`,
        kind: "textarea" as const,
        required: true,
        preservation: true,
      }),
    ),
    {
      path: "criminal_cooperation.mutual_assistance_to_follow",
      kind: "check",
      required: true,
      preservation: true,
    },
  ],
  information: [],
  incident_notification: [],
  vulnerability_notification: [
    { path: "vulnerability_notification.affected", kind: "textarea", required: true },
    { path: "vulnerability_notification.remedies", kind: "textarea", required: false },
  ],
};

/** The member holding a type's own fields ("mitigation"), or null for types without any. */
export function detailsKey(type: RequestType): string | null {
  return DETAILS[type][0]?.path.split(".")[0] ?? null;
}

/** The fields `type` adds, as the form shows them (`values` decides the preservation ones). */
export function detailFields(type: RequestType, values: FormValues): DetailField[] {
  const preservation = values["criminal_cooperation.kind"] === "preservation";
  return DETAILS[type].filter((field) => !field.preservation || preservation);
}

// ---- the form -----------------------------------------------------------------------------------

/** The form's values by API path; checkboxes hold "true" or "". */
export type FormValues = Record<string, string>;

export function emptyForm(language: string): FormValues {
  return {
    requested_state: "",
    type: "mitigation",
    urgency: "urgent",
    subject: "",
    description: "",
    language,
    tlp: "AMBER",
    sector: "",
    activity_started_at: "",
    activity_ongoing: "",
    indicators: "",
    requested_actions: "",
    "criminal_cooperation.kind": "preservation",
  };
}

/** "2026-11-29T07:00" (a datetime-local value read as UTC) for an RFC 3339 instant. */
export function toUtcInput(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString().slice(0, 16);
}

/** The RFC 3339 instant of a datetime-local value read as UTC; null when empty or invalid. */
export function fromUtcInput(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const date = new Date(`${value}Z`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The form values of a stored request (a draft being edited). */
export function formFromRequest(request: CooperationRequest): FormValues {
  const c = request.content;
  const values: FormValues = {
    ...emptyForm(c?.language || "en"),
    requested_state: request.requested_state,
    type: request.type,
    urgency: request.urgency,
  };
  if (!c) return values;
  Object.assign(values, {
    subject: c.subject,
    description: c.description,
    tlp: c.tlp,
    sector: c.sector || "",
    activity_started_at: toUtcInput(c.activity_started_at),
    activity_ongoing: c.activity_ongoing ? "true" : "",
    indicators: indicatorsText(c.indicators),
    requested_actions: c.requested_actions.join(","),
  });
  for (const type of REQUEST_TYPES) {
    const key = detailsKey(type);
    const details = key ? (c as unknown as Record<string, Record<string, unknown>>)[key] : null;
    if (!key || !details) continue;
    for (const [name, value] of Object.entries(details)) {
      const path = `${key}.${name}`;
      if (typeof value === "boolean") values[path] = value ? "true" : "";
      else if (name.startsWith("observed_")) values[path] = toUtcInput(value as string | null);
      else values[path] = value == null ? "" : String(value);
    }
  }
  return values;
}

/** The requested actions chosen ("block_or_sinkhole,take_down"). */
export function chosenActions(values: FormValues): RequestedAction[] {
  return (values.requested_actions || "")
    .split(",")
    .filter((a): a is RequestedAction => (ACTIONS as readonly string[]).includes(a));
}

/** The JSON body of POST /requests (add "submit") or PATCH /requests/{id}: every member, null
 * where nothing is given, and null for the details of other types, so that a PATCH after a
 * change of type replaces what the draft held. */
export function requestBody(values: FormValues): Record<string, unknown> {
  const type = values.type as RequestType;
  const text = (path: string) => values[path] || "";
  const body: Record<string, unknown> = {
    requested_state: values.requested_state,
    type,
    urgency: values.urgency,
    subject: text("subject"),
    description: text("description"),
    language: text("language"),
    tlp: values.tlp,
    sector: values.sector || null,
    activity_started_at: fromUtcInput(text("activity_started_at")),
    activity_ongoing: values.activity_ongoing === "true" ? true : null,
    indicators: parseIndicators(text("indicators")).map((line) =>
      line.note
        ? { type: line.type, value: line.value, note: line.note }
        : { type: line.type, value: line.value },
    ),
    requested_actions: chosenActions(values),
  };
  for (const other of REQUEST_TYPES) {
    const key = detailsKey(other);
    if (key) body[key] = null;
  }
  const key = detailsKey(type);
  if (key) {
    const details: Record<string, unknown> = {};
    for (const field of detailFields(type, values)) {
      const name = field.path.slice(key.length + 1);
      if (field.kind === "utc") details[name] = fromUtcInput(text(field.path));
      else if (field.kind === "check") details[name] = values[field.path] === "true" ? true : null;
      else details[name] = text(field.path);
    }
    body[key] = details;
  }
  return body;
}

/** Problems the form finds before asking the server, by API path: "required" only when
 * `submitting`; otherwise what the server would refuse even in a draft. */
export function formProblems(
  values: FormValues,
  submitting: boolean,
  now: Date = new Date(),
): Record<string, string> {
  const problems: Record<string, string> = {};
  const type = values.type as RequestType;
  const blank = (path: string) => !(values[path] || "").trim();
  const required = ["requested_state", "subject", "description", "language"];
  for (const field of detailFields(type, values)) if (field.required) required.push(field.path);
  if (submitting) for (const path of required) if (blank(path)) problems[path] = "required";
  if ((values.subject || "").length > MAX_SUBJECT) problems.subject = "tooLong";
  if ((values.description || "").length > MAX_DESCRIPTION) problems.description = "tooLong";
  for (const path of ["activity_started_at", "mitigation.observed_from"]) {
    if (!(path in problems) && !blank(path)) {
      const at = fromUtcInput(values[path]);
      if (!at) problems[path] = "invalidTime";
      else if (new Date(at) > now) problems[path] = "inTheFuture";
    }
  }
  if (type === "mitigation" && !blank("mitigation.observed_to")) {
    const from = fromUtcInput(values["mitigation.observed_from"] || "");
    const to = fromUtcInput(values["mitigation.observed_to"]);
    if (!to) problems["mitigation.observed_to"] = "invalidTime";
    else if (from && to < from) problems["mitigation.observed_to"] = "invalidWindow";
  }
  const lines = parseIndicators(values.indicators || "");
  if (lines.length > MAX_INDICATORS) problems.indicators = "tooMany";
  else if (lines.some((line) => line.problem)) problems.indicators = "invalidIndicator";
  const actions = chosenActions(values);
  if (actions.includes("none") && actions.length > 1) problems.requested_actions = "noneAlone";
  else if (type === "incident_notification" && actions.some((a) => a !== "none"))
    problems.requested_actions = "noActionForIncident";
  return problems;
}

/** The form control an API field belongs to: "indicators[3].value" → "indicators",
 * "mitigation.observed_to" as it is, "requested_actions[1]" → "requested_actions". */
export function controlOf(field: string | undefined): string | undefined {
  if (!field) return undefined;
  return field.replace(/\[\d+\].*$/, "");
}

/** The line of the indicators field that the server's "indicators[3]…" names (3 → the fourth
 * indicator's line); null when `field` names no indicator. */
export function indicatorLineOf(field: string | undefined, text: string): number | null {
  const match = /^indicators\[(\d+)\]/.exec(field || "");
  if (!match) return null;
  return parseIndicators(text)[Number(match[1])]?.line ?? null;
}

// ---- lifecycle ----------------------------------------------------------------------------------

export const TRANSITIONS = [
  "submit",
  "acknowledge",
  "start",
  "answer",
  "close",
  "decline",
  "redirect",
  "withdraw",
] as const;
export type Transition = (typeof TRANSITIONS)[number];

const REQUESTER: Partial<Record<RequestStatus, Transition[]>> = {
  draft: ["submit"],
  submitted: ["withdraw"],
  acknowledged: ["withdraw"],
  in_progress: ["withdraw"],
  answered: ["close"],
};
const REQUESTED: Partial<Record<RequestStatus, Transition[]>> = {
  submitted: ["acknowledge", "decline", "redirect"],
  acknowledged: ["start", "answer", "decline", "redirect"],
  in_progress: ["answer", "decline", "redirect"],
};

/** Which side of `request` the signed-in person is on. */
export function sideOf(
  request: CooperationRequest,
  me: Me | null,
): "requester" | "requested" | null {
  if (!me || !request.content_visible) return null;
  if (me.organization.id === request.requesting_organization_id) return "requester";
  if (me.organization.state && me.organization.state === request.requested_state) {
    return "requested";
  }
  return null;
}

/** The transitions the person may take now (docs/user-guide.md, "Lifecycle"); observers none. */
export function transitionsFor(request: CooperationRequest, me: Me | null): Transition[] {
  const side = sideOf(request, me);
  if (!side || !typesFor(me!.account.roles).includes(request.type as RequestType)) return [];
  const table = side === "requester" ? REQUESTER : REQUESTED;
  return table[request.status as RequestStatus] ?? [];
}

/** The deadline a request is waiting on and whether it has passed: the acknowledgement while
 * submitted, the answer while acknowledged or in progress; null otherwise. */
export function pendingDeadline(
  request: CooperationRequest,
  now: Date = new Date(),
): { kind: "acknowledge" | "answer"; due: string; overdue: boolean } | null {
  let kind: "acknowledge" | "answer";
  let due: string | null;
  let marked: string | null;
  if (request.status === "submitted") {
    kind = "acknowledge";
    due = request.acknowledge_due_at;
    marked = request.acknowledge_overdue_at;
  } else if (request.status === "acknowledged" || request.status === "in_progress") {
    kind = "answer";
    due = request.answer_due_at;
    marked = request.answer_overdue_at;
  } else {
    return null;
  }
  if (!due) return null;
  return { kind, due, overdue: !!marked || new Date(due) < now };
}

// ---- attachments --------------------------------------------------------------------------------

/** The media types the server keeps (docs/api.md), by file name extension. */
const MEDIA_TYPES: Record<string, string> = {
  pdf: "application/pdf",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  zip: "application/zip",
  txt: "text/plain",
  log: "text/plain",
  csv: "text/csv",
  json: "application/json",
  gz: "application/gzip",
};

/** The media type to upload a file with: the browser's when it is one the server keeps, else
 * the one its extension names, else the browser's (the server then says it is not accepted). */
export function mediaTypeOf(fileName: string, browserType: string): string {
  if (Object.values(MEDIA_TYPES).includes(browserType)) return browserType;
  const extension = fileName.toLowerCase().split(".").pop() || "";
  return MEDIA_TYPES[extension] || browserType || "application/octet-stream";
}
