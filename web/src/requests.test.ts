import { describe, expect, it } from "vitest";
import type { CooperationRequest, Me } from "./api";
import {
  controlOf,
  detailFields,
  emptyForm,
  formFromRequest,
  formProblems,
  fromUtcInput,
  guessIndicatorType,
  indicatorLineOf,
  mediaTypeOf,
  indicatorProblem,
  parseIndicators,
  pendingDeadline,
  requestBody,
  toUtcInput,
  transitionsFor,
  typesFor,
  type FormValues,
} from "./requests";

describe("guessIndicatorType", () => {
  it("types each kind of value the server knows", () => {
    expect(guessIndicatorType("198.51.100.7")).toBe("ipv4");
    expect(guessIndicatorType("2001:db8::1")).toBe("ipv6");
    expect(guessIndicatorType("198.51.100.0/24")).toBe("ipv4_prefix");
    expect(guessIndicatorType("2001:db8::/32")).toBe("ipv6_prefix");
    expect(guessIndicatorType("evil.example")).toBe("domain");
    expect(guessIndicatorType("https://evil.example/x")).toBe("url");
    expect(guessIndicatorType("abuse@evil.example")).toBe("email");
    expect(guessIndicatorType("d41d8cd98f00b204e9800998ecf8427e")).toBe("md5");
    expect(guessIndicatorType("a".repeat(40))).toBe("sha1");
    expect(guessIndicatorType("B".repeat(64))).toBe("sha256");
    expect(guessIndicatorType("0".repeat(128))).toBe("sha512");
  });
});

describe("indicatorProblem", () => {
  it("accepts what the server accepts", () => {
    expect(indicatorProblem("ipv4", "203.0.113.255")).toBeNull();
    expect(indicatorProblem("ipv6", "2001:DB8:0:0::1")).toBeNull();
    expect(indicatorProblem("ipv6", "::ffff:192.0.2.1")).toBeNull();
    expect(indicatorProblem("ipv4_prefix", "10.0.0.0/8")).toBeNull();
    expect(indicatorProblem("ipv6_prefix", "2001:db8:8000::/33")).toBeNull();
    expect(indicatorProblem("domain", "xn--bcher-kva.example.")).toBeNull();
    expect(indicatorProblem("url", "HTTP://198.51.100.7:8080/a?b#c")).toBeNull();
    expect(indicatorProblem("url", "https://user@[2001:db8::1]/x")).toBeNull();
    expect(indicatorProblem("email", "first.last+tag@mail.example")).toBeNull();
    expect(indicatorProblem("sha256", "AB".repeat(32))).toBeNull();
  });
  it("refuses what the server refuses, saying why", () => {
    expect(indicatorProblem("ipv4", "256.1.1.1")).toBe("ipv4");
    expect(indicatorProblem("ipv4", "01.2.3.4")).toBe("ipv4");
    expect(indicatorProblem("ipv4", "1.2.3")).toBe("ipv4");
    expect(indicatorProblem("ipv6", "2001:db8::1::2")).toBe("ipv6");
    expect(indicatorProblem("ipv6", "fe80::1%eth0")).toBe("ipv6");
    expect(indicatorProblem("ipv4_prefix", "10.0.0.1/8")).toBe("hostBits");
    expect(indicatorProblem("ipv4_prefix", "10.0.0.0/33")).toBe("prefixLength");
    expect(indicatorProblem("ipv6_prefix", "2001:db8::1/64")).toBe("hostBits");
    expect(indicatorProblem("ipv6_prefix", "2001:db8::/129")).toBe("prefixLength");
    expect(indicatorProblem("domain", "localhost")).toBe("domain");
    expect(indicatorProblem("domain", "bücher.example")).toBe("domain");
    expect(indicatorProblem("domain", "-bad.example")).toBe("domain");
    expect(indicatorProblem("domain", "example.123")).toBe("domain");
    expect(indicatorProblem("url", "javascript://alert(1)")).toBe("url");
    expect(indicatorProblem("url", "https://evil.example/a b")).toBe("url");
    expect(indicatorProblem("url", "https://evil.example:70000/")).toBe("url");
    expect(indicatorProblem("email", "no-at-sign.example")).toBe("email");
    expect(indicatorProblem("email", "a..b@mail.example")).toBe("email");
    expect(indicatorProblem("md5", "z".repeat(32))).toBe("hash");
  });
});

describe("parseIndicators", () => {
  it("reads one indicator per line, the rest of the line as its note, keeping line numbers", () => {
    const lines = parseIndicators("198.51.100.7 bot controller\n\n  evil.example  \n300.1.2.3\n");
    expect(lines).toEqual([
      { line: 1, value: "198.51.100.7", note: "bot controller", type: "ipv4", problem: null },
      { line: 3, value: "evil.example", note: "", type: "domain", problem: null },
      { line: 4, value: "300.1.2.3", note: "", type: "ipv4", problem: "ipv4" },
    ]);
  });
  it("maps the server's indicators[i] back to the line it came from", () => {
    const text = "198.51.100.7\n\nevil.example\nbad..example";
    expect(indicatorLineOf("indicators[2].value", text)).toBe(4);
    expect(indicatorLineOf("subject", text)).toBeNull();
    expect(controlOf("indicators[2].value")).toBe("indicators");
    expect(controlOf("requested_actions[1]")).toBe("requested_actions");
    expect(controlOf("mitigation.observed_to")).toBe("mitigation.observed_to");
  });
});

describe("per-type fields", () => {
  const form = (type: string, extra: FormValues = {}) => ({ ...emptyForm("en"), type, ...extra });
  it("shows each type its own fields", () => {
    const paths = (values: FormValues) =>
      detailFields(values.type as never, values).map((f) => f.path);
    expect(paths(form("mitigation"))).toEqual([
      "mitigation.evidence",
      "mitigation.observed_from",
      "mitigation.observed_to",
      "mitigation.impact",
    ]);
    expect(paths(form("assistance"))).toEqual(["assistance.help_needed"]);
    expect(paths(form("information"))).toEqual([]);
    expect(paths(form("incident_notification"))).toEqual([]);
    expect(paths(form("vulnerability_notification"))).toEqual([
      "vulnerability_notification.affected",
      "vulnerability_notification.remedies",
    ]);
  });
  it("adds the Budapest Convention Art. 29(2) fields only to a preservation request", () => {
    const preservation = detailFields(
      "criminal_cooperation",
      form("criminal_cooperation", { "criminal_cooperation.kind": "preservation" }),
    ).map((f) => f.path.split(".")[1]);
    expect(preservation).toEqual([
      "kind",
      "authority",
      "offence",
      "facts",
      "data_to_preserve",
      "relation_to_offence",
      "data_location",
      "necessity",
      "mutual_assistance_to_follow",
    ]);
    const other = detailFields(
      "criminal_cooperation",
      form("criminal_cooperation", { "criminal_cooperation.kind": "other" }),
    ).map((f) => f.path.split(".")[1]);
    expect(other).toEqual(["kind", "authority", "offence", "facts"]);
  });
  it("offers each role the types it may send", () => {
    expect(typesFor(["technical"])).toEqual([
      "mitigation",
      "assistance",
      "incident_notification",
      "vulnerability_notification",
    ]);
    expect(typesFor(["law_enforcement"])).toEqual(["criminal_cooperation"]);
    expect(typesFor(["policy"]).length).toBe(6);
    expect(typesFor(["observer"])).toEqual([]);
  });
});

describe("requestBody", () => {
  it("builds the API body, the window in UTC, and clears other types' details", () => {
    const values: FormValues = {
      ...emptyForm("fr"),
      requested_state: "KE",
      subject: "Botnet C2",
      description: "Scanning from your networks",
      sector: "energy",
      activity_ongoing: "true",
      indicators: "198.51.100.7 c2\nevil.example",
      requested_actions: "block_or_sinkhole,investigate",
      "mitigation.evidence": "logs",
      "mitigation.observed_from": "2026-11-28T06:00",
      "mitigation.observed_to": "",
      "mitigation.impact": "outage",
    };
    const body = requestBody(values);
    expect(body).toMatchObject({
      requested_state: "KE",
      type: "mitigation",
      language: "fr",
      tlp: "AMBER",
      sector: "energy",
      activity_started_at: null,
      activity_ongoing: true,
      indicators: [
        { type: "ipv4", value: "198.51.100.7", note: "c2" },
        { type: "domain", value: "evil.example" },
      ],
      requested_actions: ["block_or_sinkhole", "investigate"],
      mitigation: {
        evidence: "logs",
        observed_from: "2026-11-28T06:00:00.000Z",
        observed_to: null,
        impact: "outage",
      },
      assistance: null,
      criminal_cooperation: null,
      vulnerability_notification: null,
    });
  });
  it("leaves the preservation fields out of another criminal request, and an unticked box", () => {
    const body = requestBody({
      ...emptyForm("en"),
      type: "criminal_cooperation",
      "criminal_cooperation.kind": "other",
      "criminal_cooperation.authority": "Prosecutor",
      "criminal_cooperation.data_location": "left over from a preservation draft",
    });
    expect(body.criminal_cooperation).toEqual({
      kind: "other",
      authority: "Prosecutor",
      offence: "",
      facts: "",
    });
    const preservation = requestBody({
      ...emptyForm("en"),
      type: "criminal_cooperation",
    }).criminal_cooperation as Record<string, unknown>;
    expect(preservation.mutual_assistance_to_follow).toBeNull();
  });
  it("round-trips a stored draft through the form", () => {
    const stored = request({
      status: "draft",
      content: {
        subject: "s",
        description: "d",
        language: "en",
        tlp: "RED",
        sector: null,
        activity_started_at: "2026-11-01T08:30:00.000Z",
        activity_ongoing: false,
        indicators: [{ type: "url", value: "https://x.example/a", note: "landing" }],
        requested_actions: ["take_down"],
        mitigation: {
          evidence: "e",
          observed_from: "2026-11-01T08:00:00.000Z",
          observed_to: null,
          impact: "i",
        },
      },
    });
    const values = formFromRequest(stored);
    expect(values.indicators).toBe("https://x.example/a landing");
    expect(values["mitigation.observed_from"]).toBe("2026-11-01T08:00");
    const body = requestBody(values);
    expect(body.activity_started_at).toBe("2026-11-01T08:30:00.000Z");
    expect(body.indicators).toEqual([
      { type: "url", value: "https://x.example/a", note: "landing" },
    ]);
    expect(body.requested_actions).toEqual(["take_down"]);
  });
});

describe("a preservation draft", () => {
  it("keeps the Art. 29(2) fields and the tick through the form", () => {
    const details = {
      kind: "preservation",
      authority: "Prosecutor, Paris",
      offence: "Fraud",
      facts: "Phishing of a ministry",
      data_to_preserve: "Subscriber and traffic data",
      relation_to_offence: "Used to send the phishing",
      data_location: "Host Ltd",
      necessity: "Deleted after 30 days",
      mutual_assistance_to_follow: true,
    };
    const stored = request({
      status: "draft",
      type: "criminal_cooperation",
      content: {
        subject: "s",
        description: "d",
        language: "fr",
        tlp: "AMBER",
        sector: null,
        activity_started_at: null,
        activity_ongoing: null,
        indicators: [],
        requested_actions: ["preserve_logs"],
        criminal_cooperation: details,
      },
    });
    const values = formFromRequest(stored);
    expect(values["criminal_cooperation.mutual_assistance_to_follow"]).toBe("true");
    expect(formProblems(values, true)).toEqual({});
    expect(requestBody(values).criminal_cooperation).toEqual(details);
  });
});

describe("formProblems", () => {
  const now = new Date("2026-11-29T12:00:00Z");
  it("names missing required fields only when submitting", () => {
    const values = emptyForm("en");
    expect(formProblems(values, false, now)).toEqual({});
    const problems = formProblems(values, true, now);
    expect(Object.keys(problems)).toEqual([
      "requested_state",
      "subject",
      "description",
      "mitigation.evidence",
      "mitigation.observed_from",
      "mitigation.observed_to",
      "mitigation.impact",
    ]);
  });
  it("checks times, the window, indicators and actions as the server does", () => {
    const problems = formProblems(
      {
        ...emptyForm("en"),
        activity_started_at: "2026-11-30T00:00",
        "mitigation.observed_from": "2026-11-28T10:00",
        "mitigation.observed_to": "2026-11-28T09:00",
        indicators: "198.51.100.7\n198.51.101.0/23",
        requested_actions: "none,take_down",
      },
      false,
      now,
    );
    expect(problems).toEqual({
      activity_started_at: "inTheFuture",
      "mitigation.observed_to": "invalidWindow",
      indicators: "invalidIndicator",
      requested_actions: "noneAlone",
    });
    expect(
      formProblems(
        { ...emptyForm("en"), type: "incident_notification", requested_actions: "investigate" },
        false,
        now,
      ),
    ).toEqual({ requested_actions: "noActionForIncident" });
  });
  it("reads datetime-local values as UTC", () => {
    expect(fromUtcInput("2026-11-29T07:05")).toBe("2026-11-29T07:05:00.000Z");
    expect(fromUtcInput("yesterday")).toBeNull();
    expect(toUtcInput("2026-11-29T07:05:30.000Z")).toBe("2026-11-29T07:05");
  });
});

function request(overrides: Partial<CooperationRequest>): CooperationRequest {
  return {
    id: "req_1",
    version: 3,
    type: "mitigation",
    urgency: "urgent",
    status: "submitted",
    requesting_state: "FR",
    requesting_organization_id: "org_fr",
    requested_state: "KE",
    created_at: "2026-11-29T07:00:00.000Z",
    updated_at: "2026-11-29T07:00:00.000Z",
    submitted_at: "2026-11-29T07:00:00.000Z",
    acknowledged_at: null,
    answered_at: null,
    finished_at: null,
    acknowledge_due_at: "2026-11-30T07:00:00.000Z",
    answer_due_at: "2026-12-02T07:00:00.000Z",
    acknowledge_overdue_at: null,
    answer_overdue_at: null,
    escalation_step: 0,
    redirected_from: null,
    redirected_to: null,
    content_visible: true,
    sender_account_id: "acc_1",
    content: null,
    resolution: null,
    routing: null,
    ...overrides,
  };
}

function me(organization: string, state: string | null, roles: string[]): Me {
  return {
    account: {
      id: "acc_x",
      organization_id: organization,
      email: "x@x.test",
      display_name: "X",
      roles,
    },
    organization: {
      id: organization,
      name: "Org",
      category: "state",
      kind: "national_cert",
      state,
      website: null,
      version: 1,
    },
  };
}

describe("transitionsFor", () => {
  const requester = me("org_fr", "FR", ["technical"]);
  const requested = me("org_ke", "KE", ["technical"]);
  it("gives each side exactly its transitions for the status", () => {
    expect(transitionsFor(request({ status: "draft" }), requester)).toEqual(["submit"]);
    expect(transitionsFor(request({}), requester)).toEqual(["withdraw"]);
    expect(transitionsFor(request({}), requested)).toEqual(["acknowledge", "decline", "redirect"]);
    expect(transitionsFor(request({ status: "acknowledged" }), requested)).toEqual([
      "start",
      "answer",
      "decline",
      "redirect",
    ]);
    expect(transitionsFor(request({ status: "answered" }), requested)).toEqual([]);
    expect(transitionsFor(request({ status: "answered" }), requester)).toEqual(["close"]);
    expect(transitionsFor(request({ status: "closed" }), requester)).toEqual([]);
  });
  it("gives nothing to third states, operators (metadata only) and unfitting roles", () => {
    expect(transitionsFor(request({}), me("org_de", "DE", ["policy"]))).toEqual([]);
    expect(
      transitionsFor(request({ content_visible: false }), me("org_node", null, ["operator"])),
    ).toEqual([]);
    expect(transitionsFor(request({}), me("org_ke", "KE", ["observer"]))).toEqual([]);
    expect(transitionsFor(request({}), null)).toEqual([]);
  });
});

describe("pendingDeadline", () => {
  const now = new Date("2026-11-30T08:00:00Z");
  it("follows the acknowledgement, then the answer, and marks what has passed", () => {
    expect(pendingDeadline(request({}), now)).toEqual({
      kind: "acknowledge",
      due: "2026-11-30T07:00:00.000Z",
      overdue: true,
    });
    expect(pendingDeadline(request({ status: "in_progress" }), now)).toEqual({
      kind: "answer",
      due: "2026-12-02T07:00:00.000Z",
      overdue: false,
    });
    expect(
      pendingDeadline(
        request({ status: "acknowledged", answer_overdue_at: "2026-11-30T07:00:00.000Z" }),
        now,
      )?.overdue,
    ).toBe(true);
    expect(pendingDeadline(request({ status: "closed" }), now)).toBeNull();
  });
});

describe("mediaTypeOf", () => {
  it("keeps an accepted browser type, else goes by the extension", () => {
    expect(mediaTypeOf("report.pdf", "application/pdf")).toBe("application/pdf");
    expect(mediaTypeOf("server.log", "")).toBe("text/plain");
    expect(mediaTypeOf("iocs.csv", "application/vnd.ms-excel")).toBe("text/csv");
    expect(mediaTypeOf("setup.exe", "application/x-msdownload")).toBe("application/x-msdownload");
    expect(mediaTypeOf("blob", "")).toBe("application/octet-stream");
  });
});
