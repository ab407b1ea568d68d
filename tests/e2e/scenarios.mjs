// End-to-end scenarios of the web interface, one per CTest test (e2e.<scenario>). run_e2e.py
// starts the real server (with the demo data set and an SMTP sink) and passes its address in
// the environment; this file drives Debian's Chromium through playwright-core and checks what a
// person sees. Every page runs under the server's real Content-Security-Policy, and any CSP
// violation or uncaught error in the page fails the scenario.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const BASE = process.env.LIAISON_URL;
const MAIL_DIR = process.env.LIAISON_MAIL_DIR;
const PASSWORD = process.env.LIAISON_DEMO_PASSWORD;
const OPERATOR_TOKEN = process.env.LIAISON_OPERATOR_TOKEN;
const SHOTS = process.env.LIAISON_E2E_SCREENSHOTS;
const TIMEOUT = 20_000;

const OPERATOR = "operator@node.invalid";
const FR_POLICY = "policy@mfa.fr.demo.test";
const FR_ANALYST = "analyst@cert.fr.demo.test";
const KE_ANALYST = "analyst@cert.ke.demo.test";

// ---- helpers ---------------------------------------------------------------------------------

async function withBrowser(body) {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  const problems = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  context.setDefaultTimeout(TIMEOUT);
  context.on("page", (page) => watch(page, problems));
  try {
    const page = await context.newPage();
    await body(page, context);
    assert.deepEqual(problems, [], "the pages reported errors or CSP violations");
  } finally {
    await browser.close();
  }
}

function watch(page, problems) {
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    const text = message.text();
    // A 401 on /me before signing in, and 4xx the scenarios provoke on purpose, are expected;
    // anything about the Content-Security-Policy is not.
    if (/Content Security Policy|Refused to/i.test(text)) problems.push(`CSP: ${text}`);
  });
}

async function signIn(page, email, { language } = {}) {
  await page.goto(`${BASE}/login`);
  if (language) await chooseLanguage(page, language);
  await page.locator("#login-email").fill(email);
  await page.locator("#login-password").fill(PASSWORD);
  await page.locator("form button[type=submit]").click();
  await page.waitForURL(/\/contacts/);
  await page.locator("main h1").waitFor();
}

async function chooseLanguage(page, language) {
  await page.locator("header select").selectOption(language);
  await page.waitForFunction((lang) => document.documentElement.lang === lang, language);
}

async function heading(page) {
  return (await page.locator("main h1").first().textContent()).trim();
}

/** The text of every text part of an e-mail (multipart, base64 and quoted-printable decoded). */
function mailText(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, " ");
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, "");
  const header = (name) => (head.match(new RegExp(`^${name}:\\s*(.*)$`, "im")) || [])[1] || "";
  const type = header("Content-Type");
  const boundary = (type.match(/boundary="?([^";]+)"?/i) || [])[1];
  if (/^multipart\//i.test(type) && boundary) {
    return body
      .split(`--${boundary}`)
      .slice(1)
      .map((part) => (part.startsWith("--") ? "" : mailText(part.replace(/^\r?\n/, ""))))
      .join("\n");
  }
  if (type && !/^text\//i.test(type)) return "";
  const encoding = header("Content-Transfer-Encoding").toLowerCase();
  if (encoding === "base64")
    return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding === "quoted-printable") {
    const bytes = body
      .replace(/=\r?\n/g, "")
      .replace(/=([0-9A-Fa-f]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, "latin1").toString("utf8");
  }
  return body;
}

/** Waits for the first e-mail to `address` in the SMTP sink's folder whose subject contains
 * `about` (anything when empty) and returns it as raw text. */
async function mailTo(address, about = "") {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    for (const name of readdirSync(MAIL_DIR).filter((n) => /^\d+\.eml$/.test(n))) {
      const raw = readFileSync(join(MAIL_DIR, name), "latin1");
      const to = (raw.match(/^To:\s*(.*)$/im) || [])[1] || "";
      const subject = (raw.match(/^Subject:\s*(.*)$/im) || [])[1] || "";
      if (to.includes(address) && subject.includes(about)) return raw;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no e-mail ${about ? `about ${about} ` : ""}to ${address} arrived`);
}

/** Waits for the e-mail to `address` and returns its /ack/ link. */
async function ackLinkFor(address) {
  const link = mailText(await mailTo(address)).match(
    /https?:\/\/[^\s"<>]+(\/ack\/[A-Za-z0-9_~.%-]+)/,
  );
  assert.ok(link, `the e-mail to ${address} carries an acknowledgement link`);
  // The node's public_url is a placeholder in tests: keep the link's path, use our origin.
  return `${BASE}${link[1]}`;
}

/** An API call with the given credentials (headers); the status, ETag and parsed body. */
async function call(credentials, method, path, { body, headers = {} } = {}) {
  const response = await fetch(`${BASE}/api/v1${path}`, {
    method,
    headers: {
      ...credentials,
      ...(body ? { "Content-Type": "application/json" } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return {
    status: response.status,
    etag: response.headers.get("ETag"),
    body: text ? JSON.parse(text) : null,
  };
}

/** An API call as the node's operator (bearer token). */
async function api(method, path, options) {
  return call({ Authorization: `Bearer ${OPERATOR_TOKEN}` }, method, path, options);
}

/** Signs `email` in over the API (as a browser would: cookie and CSRF token) and returns a
 * function making API calls as that account. */
async function sessionOf(email) {
  const login = await fetch(`${BASE}/api/v1/session`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  assert.equal(login.status, 201, `${email} signs in`);
  const cookie = login.headers.get("set-cookie").split(";")[0];
  const { csrf_token: csrf } = await login.json();
  return (method, path, options) =>
    call({ Cookie: cookie, "X-CSRF-Token": csrf }, method, path, options);
}

/** An account of `state`'s national CERT (technical), made by the operator over the API: the
 * demo data has accounts for France and Kenya only. */
async function certAccount(state) {
  const orgs = await api("GET", `/organizations?state=${state}&kind=national_cert`);
  assert.equal(orgs.status, 200);
  const email = `analyst@cert.${state.toLowerCase()}.demo.test`;
  const created = await api("POST", "/accounts", {
    body: {
      organization_id: orgs.body.items[0].id,
      email,
      display_name: `Analyst (${state})`,
      roles: ["technical"],
      password: PASSWORD,
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return email;
}

/** A mitigation request body from France to Kenya, as the API takes it. */
function mitigationBody(subject, { submit = true } = {}) {
  const hour = 3_600_000;
  return {
    submit,
    requested_state: "KE",
    type: "mitigation",
    urgency: "urgent",
    subject,
    description: "Scanning and brute force against our grid operators from addresses in Kenya.",
    language: "en",
    tlp: "AMBER",
    sector: "energy",
    activity_started_at: new Date(Date.now() - 30 * hour).toISOString(),
    activity_ongoing: true,
    indicators: [
      { type: "ipv4", value: "10.2.0.7", note: "scanner" },
      { type: "domain", value: "c2.example.ke" },
    ],
    requested_actions: ["block_or_sinkhole", "investigate"],
    mitigation: {
      evidence: "Firewall logs (attached on request).",
      observed_from: new Date(Date.now() - 30 * hour).toISOString(),
      observed_to: new Date(Date.now() - hour).toISOString(),
      impact: "Degraded remote access for two operators.",
    },
  };
}

/** "2026-11-28T06:00" for `hours` ago, as a datetime-local field read as UTC takes it. */
function utcInput(hoursAgo) {
  return new Date(Date.now() - hoursAgo * 3_600_000).toISOString().slice(0, 16);
}

async function signOut(page) {
  await page.locator("header .link-button").click();
  await page.waitForURL(/\/login$/);
}

async function axeCheck(page, label) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    }),
  );
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const summary = bad.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.nodes
        .map((n) => n.target.join(" "))
        .slice(0, 3)
        .join("; ")}`,
  );
  assert.deepEqual(summary, [], `axe-core found serious violations on ${label}`);
  return result.passes.length;
}

// ---- scenarios ---------------------------------------------------------------------------------

const scenarios = {
  // Sign in with a password, see who I am and my organisation, sign out.
  async login() {
    await withBrowser(async (page) => {
      const root = await page.goto(`${BASE}/`);
      const csp = root.headers()["content-security-policy"];
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
      await page.locator("#login-email").waitFor();
      // A figure for the report, not a threshold: when the sign-in form could be used,
      // counted from the start of navigation.
      // How long until the sign-in form was on the page, counted from the start of navigation
      // (the app marks it): a figure for the report, not a threshold.
      const firstScreen = () =>
        page.evaluate(() => {
          const mark = performance.getEntriesByName("liaison:first-screen")[0];
          const nav = performance.getEntriesByType("navigation")[0];
          return { ready: Math.round(mark.startTime), html: Math.round(nav.responseEnd) };
        });
      const cold = await firstScreen();
      await page.reload();
      await page.locator("#login-email").waitFor();
      const warm = await firstScreen();
      console.log(
        `first screen on the page after ${cold.ready} ms in a new browser ` +
          `(index.html by ${cold.html} ms), ${warm.ready} ms on reload (index.html by ${warm.html} ms)`,
      );
      assert.equal(await heading(page), "Sign in");

      // The keyboard: the first Tab reaches the skip link, which moves focus into the page.
      await page.keyboard.press("Tab");
      assert.equal(
        await page.evaluate(() => document.activeElement.textContent),
        "Skip to content",
      );
      const outline = await page.evaluate(
        () => getComputedStyle(document.activeElement).outlineStyle,
      );
      assert.equal(outline, "solid", "focus is visible");
      await page.keyboard.press("Enter");
      assert.equal(await page.evaluate(() => document.activeElement.id), "main");

      await page.locator("#login-email").fill(OPERATOR);
      await page.locator("#login-password").fill("not the password at all");
      await page.locator("form button[type=submit]").click();
      await page.getByRole("alert").waitFor();
      assert.match(await page.getByRole("alert").textContent(), /sign in/i);

      await page.locator("#login-password").fill(PASSWORD);
      await page.locator("form button[type=submit]").click();
      await page.waitForURL(/\/contacts/);
      assert.equal(await heading(page), "Points of contact");
      await page.getByRole("link", { name: "Node operator" }).click();
      await page.waitForURL(/\/me$/);
      const profile = await page.locator("main").textContent();
      assert.match(profile, /Node secretariat/);
      assert.match(profile, /Node operator/);
      assert.match(profile, new RegExp(OPERATOR.replace(".", "\\.")));

      // A reload keeps the session (cookie) and the screen.
      await page.reload();
      assert.equal(await heading(page), "My account");

      // An API token issued here works for a program once, shown once, and can be revoked.
      await page.getByLabel("Token name").fill("monitoring script");
      await page.getByRole("button", { name: "Issue a token" }).click();
      const secret = (await page.locator("code.secret").textContent()).trim();
      const asProgram = () =>
        fetch(`${BASE}/api/v1/me`, { headers: { Authorization: `Bearer ${secret}` } });
      assert.equal((await asProgram()).status, 200);
      await page.getByRole("button", { name: "Revoke the token “monitoring script”" }).click();
      await page
        .getByRole("cell", { name: "monitoring script", exact: true })
        .waitFor({ state: "detached" });
      assert.equal((await asProgram()).status, 401);

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(/\/login$/);
      assert.equal(await heading(page), "Sign in");
      // The session is gone on the server too.
      await page.goto(`${BASE}/contacts`);
      assert.equal(await heading(page), "Sign in");
    });
  },

  // In French: find a contact by text, see the state's French name, open the contact card.
  async directory_fr() {
    await withBrowser(async (page) => {
      await signIn(page, FR_POLICY, { language: "fr" });
      assert.equal(await heading(page), "Points de contact");
      await page.getByLabel("Rechercher").fill("ndiaye");
      await page.waitForURL(/q=ndiaye/);
      const rows = page.locator("main tbody tr");
      await page.waitForFunction(() => document.querySelectorAll("main tbody tr").length === 1);
      const row = await rows.first().textContent();
      assert.match(row, /Moussa Demo-Ndiaye/);
      assert.match(row, /Sénégal/, "the state's name comes from the server in French");
      assert.match(row, /Technique/);

      // Filters combine: French-speaking technical contacts of the African Group.
      await page.getByLabel("Rechercher").fill("");
      await page.getByLabel("Groupe régional").selectOption("african");
      await page.getByLabel("Niveau").selectOption("technical");
      await page.getByLabel("Langue", { exact: true }).selectOption("fr");
      await page.waitForURL(/group=african/);
      await page.waitForFunction(() => {
        const names = [...document.querySelectorAll("main tbody tr td:first-child a")];
        return names.length === 1 && names[0].textContent.includes("Moussa");
      });

      await page.getByRole("link", { name: "Moussa Demo-Ndiaye" }).click();
      await page.waitForURL(/\/contacts\/ctc_/);
      assert.equal(await heading(page), "Moussa Demo-Ndiaye");
      const card = await page.locator("article").textContent();
      assert.match(card, /Heure locale/);
      assert.match(card, /Africa\/Dakar/);
      assert.match(card, /heures de travail|24 h\/24/);
      const utc = await page.locator("article time").first().getAttribute("title");
      assert.match(utc, /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/, "times show UTC on hover");
      // The export links carry the same filters as the list.
      await page.goBack();
      const href = await page.getByRole("link", { name: "CSV" }).getAttribute("href");
      assert.match(href, /\/api\/v1\/contacts\/export\?.*group=african.*format=csv/);

      // Cursor pagination: 30 demo contacts and 25 more make two pages of 50.
      const kenya = (await api("GET", "/contacts?state=KE&level=policy")).body.items[0];
      for (let i = 1; i <= 25; i++) {
        const created = await api("POST", "/contacts", {
          body: {
            organization_id: kenya.organization_id,
            level: "policy",
            name: `Desk ${String(i).padStart(2, "0")} Demo-Wanjiru`,
            emails: [`desk${i}@mfa.ke.demo.test`],
            languages: ["en", "sw"],
            time_zone: "Africa/Nairobi",
          },
        });
        assert.equal(created.status, 201);
      }
      await page.goto(`${BASE}/contacts`);
      await page.getByText("50 contacts affichés ; il y en a d’autres").waitFor();
      assert.equal(await page.locator("main tbody tr").count(), 50);
      await page.getByRole("button", { name: "Afficher plus" }).click();
      // The demo's 45 contacts (a policy, a technical and a backup technical contact for each of
      // its 15 states) and the 25 made above.
      await page.getByText("70 contacts", { exact: true }).waitFor();
      assert.equal(await page.locator("main tbody tr").count(), 70);
      assert.equal(await page.getByRole("button", { name: "Afficher plus" }).count(), 0);
      const names = await page.locator("main tbody tr td:first-child a").allTextContents();
      assert.equal(new Set(names).size, 70, "no contact twice across pages");
    });
  },

  // Start a campaign in the browser, acknowledge through the e-mailed link, watch it arrive.
  async campaign_ack() {
    await withBrowser(async (page, context) => {
      await signIn(page, OPERATOR);
      await page.getByRole("link", { name: "Reachability checks" }).click();
      await page.getByLabel("Chosen states").check();
      await page.getByLabel("States", { exact: true }).selectOption("FR");
      await page.getByLabel("Contacts", { exact: true }).selectOption("policy");
      await page.getByRole("button", { name: "Start the check" }).click();
      await page.waitForURL(/\/campaigns\/png_/);
      const status = page.locator("#campaign-status");
      assert.match(await status.textContent(), /0 of 1 contacts confirmed/);

      const link = await ackLinkFor("cyber-desk@mfa.fr.demo.test");
      const ack = await context.newPage();
      const response = await ack.goto(link);
      assert.match(response.headers()["content-security-policy"], /style-src 'self'/);
      assert.equal(await ack.locator("html").getAttribute("lang"), "fr");
      assert.equal(await ack.locator("h1").textContent(), "Vérification de joignabilité");
      // The page is styled by the server's stylesheet, not inline styles.
      const colour = await ack
        .locator("button")
        .evaluate((b) => getComputedStyle(b).backgroundColor);
      assert.equal(colour, "rgb(11, 79, 138)");
      await ack.screenshot({ path: join(SHOTS, "fr-ack.png"), fullPage: true });
      await ack.getByRole("button").click();
      await ack.getByRole("status").waitFor();
      assert.match(await ack.getByRole("status").textContent(), /Merci/);
      await ack.close();

      // The open campaign page refreshes itself as answers arrive.
      await page.waitForFunction(
        () =>
          /1 of 1 contacts confirmed/.test(document.querySelector("#campaign-status").textContent),
        null,
        { timeout: 30_000 },
      );
      const table = await page.locator("table").textContent();
      assert.match(table, /France/);
      assert.equal((await page.locator("figure svg rect").count()) > 0, true, "the chart is drawn");
    });
  },

  // A state's policy account starts a check of its own state's contacts only.
  async campaign_policy() {
    await withBrowser(async (page) => {
      await signIn(page, FR_POLICY);
      await page.getByRole("link", { name: "Reachability checks" }).click();
      await page.getByText("you can check your own state's contacts").waitFor();
      assert.equal(await page.getByLabel("Chosen states").count(), 0, "no scope choice");
      await page.getByLabel("Contacts", { exact: true }).selectOption("technical");
      await page.getByRole("button", { name: "Start the check" }).click();
      await page.waitForURL(/\/campaigns\/png_/);
      const id = page.url().split("/").pop();
      const campaign = await api("GET", `/pings/${id}`);
      assert.deepEqual(campaign.body.states, ["FR"]);
      assert.equal(campaign.body.level, "technical");
      assert.match(
        await page.locator("#campaign-status").textContent(),
        /0 of 2 contacts confirmed/, // France's technical contact and its backup
      );
      await page.getByRole("link", { name: "Reachability checks" }).first().click();
      await page.locator("main tbody tr").first().waitFor();
      assert.equal(await page.locator("main tbody tr").count(), 1);
    });
  },

  // Someone else's change in between: the edit is refused with a clear 412 message.
  async edit_conflict() {
    await withBrowser(async (page) => {
      await signIn(page, FR_POLICY);
      await page.getByLabel("Search").fill("Camille");
      await page.locator("main").getByRole("link", { name: "Camille Demo-Laurent" }).click();
      await page.waitForURL(/\/contacts\/ctc_/);
      const id = page.url().split("/").pop();
      await page.getByRole("button", { name: "Edit this contact" }).click();
      await page.getByLabel("Job title").fill("Head of the cyber desk");

      const current = await api("GET", `/contacts/${id}`);
      const other = await api("PATCH", `/contacts/${id}`, {
        body: { notes: "Changed by the operator meanwhile." },
        headers: { "If-Match": current.etag },
      });
      assert.equal(other.status, 200);

      await page.getByRole("button", { name: "Save" }).click();
      const alert = page.getByRole("alert");
      await alert.waitFor();
      assert.match(await alert.textContent(), /Someone else changed this record/);
      await page.getByRole("button", { name: "Reload the latest version" }).click();
      await page.getByText("Changed by the operator meanwhile.").waitFor();
      const unchanged = await api("GET", `/contacts/${id}`);
      assert.equal(unchanged.body.title, "Cyber diplomacy desk officer", "nothing was overwritten");

      await page.getByRole("button", { name: "Edit this contact" }).click();
      await page.getByLabel("Job title").fill("Head of the cyber desk");
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByText("Your changes were saved.").waitFor();
      const saved = await api("GET", `/contacts/${id}`);
      assert.equal(saved.body.title, "Head of the cyber desk");
      assert.equal(saved.body.notes, "Changed by the operator meanwhile.");

      // A bad value: the server's problem names the field, the form names its label.
      await page.getByRole("button", { name: "Edit this contact" }).click();
      await page.getByLabel("E-mail addresses").fill("cyber-desk@mfa.fr.demo.test, not-an-address");
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByRole("alert").waitFor();
      assert.match(await page.getByRole("alert").textContent(), /E-mail addresses\[1\]/);
      assert.equal(await page.getByLabel("E-mail addresses").getAttribute("aria-invalid"), "true");
      const untouched = await api("GET", `/contacts/${id}`);
      assert.equal(untouched.body.version, saved.body.version, "nothing was saved");
    });
  },

  // Arabic: right-to-left, mirrored layout, Arabic state names, remembered across reloads.
  async rtl() {
    await withBrowser(async (page) => {
      // Each of the six messages files loads (a separate script, under the CSP) and is used.
      await page.goto(`${BASE}/login`);
      for (const language of ["zh", "ru", "es", "fr", "en", "ar"]) {
        const messages = JSON.parse(
          readFileSync(new URL(`../../web/src/messages/${language}.json`, import.meta.url), "utf8"),
        );
        await chooseLanguage(page, language);
        await page.waitForFunction(
          (title) => document.querySelector("main h1")?.textContent === title,
          messages["login.title"],
        );
        const dir = await page.locator("html").getAttribute("dir");
        assert.equal(dir, language === "ar" ? "rtl" : "ltr", language);
      }
      await signIn(page, OPERATOR, { language: "ar" });
      assert.equal(await page.locator("html").getAttribute("dir"), "rtl");
      assert.equal(await heading(page), "جهات الاتصال");
      const brand = await page.locator("header .brand").boundingBox();
      const signOut = await page.locator("header .link-button").boundingBox();
      assert.ok(
        brand.x > signOut.x,
        "the brand sits at the right edge and the end controls at the left",
      );
      const cell = await page
        .locator("main th")
        .first()
        .evaluate((th) => getComputedStyle(th).textAlign);
      assert.equal(cell, "start");
      await page.getByLabel("الدولة").selectOption("FR");
      await page.waitForFunction(() =>
        document.querySelector("main tbody")?.textContent.includes("فرنسا"),
      );
      await page.reload();
      await page.locator("main h1").waitFor();
      assert.equal(
        await page.locator("html").getAttribute("dir"),
        "rtl",
        "the choice is remembered",
      );
      assert.equal(await page.locator("html").getAttribute("lang"), "ar");
    });
  },

  // Jurisdiction against the fixture IP data of run_e2e.py: an address, a prefix spanning
  // several states, an AS, a generic domain, a batch with a bad line, a gzip feed attributed by
  // state, and the same screen in Arabic, right to left.
  async jurisdiction() {
    await withBrowser(async (page) => {
      await signIn(page, FR_POLICY);
      await page.getByRole("link", { name: "Jurisdiction" }).click();
      await page.waitForURL(/\/jurisdiction$/);
      assert.equal(await heading(page), "Jurisdiction");

      // One address: a French territory, its range, AS and the data version.
      const query = page.getByLabel("Address, prefix, AS number or domain");
      await query.fill("10.1.2.3");
      await query.press("Enter");
      await page.waitForURL(/\?q=10\.1\.2\.3$/);
      const answer = page.locator("article.answer");
      await answer.waitFor();
      const pairs = async () =>
        Object.fromEntries(
          await answer
            .locator("dl.pairs dt")
            .evaluateAll((dts) =>
              dts.map((dt) => [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()]),
            ),
        );
      let shown = await pairs();
      assert.match(shown["Country or territory"], /Guadeloupe \(GP\)/);
      assert.match(shown["Responsible state"], /France/);
      assert.match(shown["Status"], /^Territory/);
      assert.equal(shown["Matching range"], "10.1.0.0 – 10.1.255.255");
      assert.match(shown["Autonomous system"], /AS64500 Demo Telecom France/);
      assert.equal(shown["Data version"], "e2e-1");

      // A prefix names every state it falls in; the address counts go through Intl.
      await query.fill("10.0.0.0/14");
      await page.getByRole("button", { name: "Look up", exact: true }).click();
      await page.waitForURL(/\?q=10\.0\.0\.0%2F14$/);
      await answer.locator("table").waitFor();
      shown = await pairs();
      assert.equal(shown["Prefix"], "10.0.0.0/14 (IPv4)");
      const listed = await answer.locator("ul.state-list li").allTextContents();
      assert.equal(listed.length, 3);
      ["France", "Kenya", "Senegal"].forEach((name, i) =>
        assert.match(listed[i], new RegExp(name)),
      );
      const shares = await answer
        .locator("tbody tr")
        .evaluateAll((rows) =>
          rows.map((row) => [...row.cells].map((cell) => cell.textContent.trim())),
        );
      assert.equal(shares.length, 4);
      assert.match(shares[1][0], /Guadeloupe/);
      assert.match(shares[1][1], /France/);
      assert.equal(shares[1][3], "65,536");

      // The AS link opens the AS's own answer (by keyboard).
      await answer.getByRole("link", { name: "AS64500" }).focus();
      await page.keyboard.press("Enter");
      await page.waitForURL(/\?q=AS64500$/);
      await answer.getByText("Number of address ranges").waitFor();
      shown = await pairs();
      assert.match(shown["Autonomous system"], /AS64500 Demo Telecom France/);
      assert.match(shown["Responsible states"], /France/);
      assert.equal(shown["Number of address ranges"], "2");

      // A generic domain names no state: the page says why instead of failing.
      await page.goto(`${BASE}/jurisdiction?q=example.com`);
      await page.getByRole("alert").waitFor();
      assert.match(
        await page.getByRole("alert").textContent(),
        /does not end in a country-code top-level domain/,
      );

      // A batch: one row per non-blank line, the bad line reported on its own line number.
      await page
        .getByLabel("Items, one per line")
        .fill("10.2.0.1\n\n300.1.2.3\nAS64511\nministere.example.fr\n81.0.0.200");
      await page.getByRole("button", { name: "Look them all up" }).click();
      await page.locator("#batch-summary").waitFor();
      assert.match(
        await page.locator("#batch-summary").textContent(),
        /Items looked up: 5, of which failed: 1 \(data version e2e-1\)/,
      );
      const batch = await page
        .locator("#batch-results tbody tr")
        .evaluateAll((rows) =>
          rows.map((row) => [...row.cells].map((cell) => cell.textContent.trim())),
        );
      assert.deepEqual(
        batch.map((row) => row.slice(0, 3)),
        [
          ["1", "10.2.0.1", "IP address"],
          ["3", "300.1.2.3", "This is not a valid IP address or prefix."],
          ["4", "AS64511", "AS number"],
          ["5", "ministere.example.fr", "Domain"],
          ["6", "81.0.0.200", "IP address"],
        ],
      );
      assert.match(batch[0][4], /Kenya/);
      assert.match(batch[2][4], /Kenya/);
      assert.match(batch[3][4], /France/);
      assert.match(batch[4][3], /Taiwan/);
      assert.match(batch[4][4], /No responsible state named/);
      await axeCheck(page, "batch results (en)");

      // A feed, gzip-compressed: the per-state table and the malformed line.
      await page.getByRole("link", { name: "Attribute an observation feed" }).click();
      await page.waitForURL(/\/jurisdiction\/feeds$/);
      const feed = [
        "seen,ip,category",
        "2026-11-01T00:00:00Z,10.0.0.1,scanner",
        "2026-11-01T00:00:01Z,10.0.0.1,scanner",
        "2026-11-01T00:00:02Z,10.1.0.9,c2",
        "2026-11-01T00:00:03Z,10.2.0.7,scanner",
        "2026-11-01T00:00:04Z,2001:db8:8000::5,reflector",
        "2026-11-01T00:00:05Z,not-an-ip,scanner",
        "2026-11-01T00:00:06Z,192.0.2.1,scanner",
        "2026-11-01T00:00:07Z,81.0.0.200,scanner",
        "",
      ].join("\n");
      await page.getByLabel("Feed file").setInputFiles({
        name: "scanners.csv.gz",
        mimeType: "application/gzip",
        buffer: gzipSync(Buffer.from(feed)),
      });
      await page.getByRole("button", { name: "Attribute the feed" }).click();
      await page.locator("#feed-summary").waitFor();
      assert.match(
        await page.locator("#feed-summary").textContent(),
        /Lines read: 8; observations attributed: 7; malformed lines: 1; states concerned: 2\./,
      );
      const row = async (group) =>
        page
          .locator(`#feed-states tr[data-group="${group}"] td`)
          .evaluateAll((cells) => cells.map((cell) => cell.textContent.trim()));
      const france = await row("FR");
      assert.match(france[0], /France/);
      assert.equal(france[1], "FR, GP");
      assert.deepEqual(france.slice(2, 5), ["3", "2", "1"]);
      assert.match(france[5], /scanner: 2/);
      assert.match(france[5], /c2: 1/);
      const kenya = await row("KE");
      assert.match(kenya[0], /Kenya/);
      assert.deepEqual(kenya.slice(2, 5), ["2", "2", "1"]);
      assert.match((await row("no-state-TW"))[0], /No responsible state \(Taiwan\)/);
      assert.match((await row("unattributed"))[0], /Not attributed/);
      assert.match(await page.locator("#feed-errors").textContent(), /Line 7:/);
      // Without asking for drafts, none is made.
      assert.equal(await page.locator("#feed-drafts-made").count(), 0);

      // The same feed again, drafting one mitigation request per state: Kenya gets a draft;
      // France (our own state) and the addresses no state answers for are listed as skipped.
      await page.getByLabel("Draft a mitigation request to each state concerned").check();
      await page
        .getByLabel("Impact on your side (for every draft)")
        .fill("Scanning of ministries.");
      await page.getByRole("button", { name: "Attribute the feed" }).click();
      const made = page.locator("#feed-drafts-made");
      await made.waitFor();
      assert.match(await made.textContent(), /Drafts — nothing has been sent/);
      const kenyaDraft = made.locator('li[data-state="KE"]');
      assert.match(await kenyaDraft.textContent(), /Kenya/);
      assert.match(
        await kenyaDraft.textContent(),
        /2 of 2 distinct addresses listed as indicators; 2 observations\./,
      );
      assert.equal(await made.locator("ul.drafts li").count(), 1);
      const skipped = await page
        .locator("#feed-skipped li")
        .evaluateAll((items) => items.map((li) => [li.dataset.group, li.textContent]));
      assert.deepEqual(skipped.map(([group]) => group).sort(), [
        "FR",
        "no-state-TW",
        "unattributed",
      ]);
      assert.match(skipped.find(([g]) => g === "FR")[1], /your own state/);
      assert.match(skipped.find(([g]) => g === "no-state-TW")[1], /no state answers/);
      await axeCheck(page, "feed report (en)");
      await page.screenshot({ path: join(SHOTS, "en-feeds-report.png"), fullPage: true });
      // The draft's page: not sent, its indicators from the feed, ready to be reviewed.
      await kenyaDraft.getByRole("link").first().click();
      await page.waitForURL(/\/requests\/req_[^/]+$/);
      assert.match(await page.locator("#request-status").textContent(), /Draft/);
      assert.equal(await page.locator("#request-indicators tbody tr").count(), 2);
      await page.getByRole("link", { name: "Edit the draft" }).waitFor();
      assert.equal(await page.locator("#receipts").count(), 0, "nothing was sent, nothing signed");
      // Kenya's share of the feed is attached, for the sender's organisation until it submits.
      await page.locator("#attachments tbody tr").first().waitFor();
      assert.equal(await page.locator("#attachments tbody tr").count(), 1);
      assert.match(await page.locator("#attachments").textContent(), /KE\.csv/);
      assert.match(
        await page.locator("#draft-attachments-note").textContent(),
        /Visible to your organisation until you submit/,
      );
      await page.goBack();

      // Arabic: the same screen right to left, addresses still left to right, numbers by Intl.
      await chooseLanguage(page, "ar");
      await page.goto(`${BASE}/jurisdiction?q=10.0.0.0/14`);
      await answer.locator("table").waitFor();
      assert.equal(await page.locator("html").getAttribute("dir"), "rtl");
      assert.equal(await heading(page), "الولاية القضائية");
      assert.match(await answer.textContent(), /فرنسا/, "state names come from the server");
      const prefix = answer.locator("dl.pairs dd bdi").first();
      assert.equal(await prefix.evaluate((el) => getComputedStyle(el).direction), "ltr");
      const term = await answer.locator("dl.pairs dt").first().boundingBox();
      const value = await answer.locator("dl.pairs dd").first().boundingBox();
      assert.ok(term.x > value.x, "labels sit at the right, values to their left");
      const count = await answer.locator("tbody tr").first().locator("td").last().textContent();
      const expected = await page.evaluate(() => new Intl.NumberFormat("ar").format(65536));
      assert.equal(count.trim(), expected);
      const input = await page
        .locator("#lookup-q")
        .evaluate((el) => getComputedStyle(el).direction);
      assert.equal(input, "ltr", "addresses are typed left to right");
    });
  },

  // Issue 6's request scenario: France (A) drafts a mitigation request to Kenya (B) through the
  // form, completes and submits it from its drafts; Kenya finds it in its inbox, acknowledges it
  // (a second tab that acted on the old version is told of the conflict), writes and answers;
  // France sees the status, the answer and the signed receipts; Germany (C) cannot open it.
  async requests() {
    const deAnalyst = await certAccount("DE");
    const asFrance = await sessionOf(FR_ANALYST);
    let id;
    await withBrowser(async (page, context) => {
      // ---- France: the form, as a draft first --------------------------------------------------
      await signIn(page, FR_ANALYST);
      await page.getByRole("link", { name: "Requests" }).click();
      await page.waitForURL(/\/requests$/);
      assert.equal(await heading(page), "Cooperation requests");
      await page.getByRole("link", { name: "New request" }).click();
      await page.waitForURL(/\/requests\/new$/);
      // A technical account is offered the technical types only.
      const types = await page
        .locator("#rq-type option")
        .evaluateAll((os) => os.map((o) => o.value));
      assert.deepEqual(types, [
        "mitigation",
        "assistance",
        "incident_notification",
        "vulnerability_notification",
      ]);
      // Fields appear by type: the Budapest Art. 29 fields are not offered to this account, the
      // assistance field replaces the mitigation ones.
      await page.getByLabel("Type of request").selectOption("assistance");
      await page.getByLabel(/^Help needed/).waitFor();
      assert.equal(await page.locator("#rq-mitigation-evidence").count(), 0);
      await page.getByLabel("Type of request").selectOption("mitigation");
      await page.getByLabel(/^Evidence/).waitFor();
      assert.equal(await page.locator("#rq-assistance-help_needed").count(), 0);

      await page.getByLabel(/^Requested state/).selectOption("KE");
      await page.getByLabel(/^Subject/).fill("Scanning of grid operators from Kenyan addresses");
      // Indicators, one per line, checked as they are typed.
      const indicators = page.getByLabel("Technical indicators");
      await indicators.fill("10.2.0.7 scanner\n\n300.1.2.3\nc2.example.ke\n10.2.0.1/16");
      const problems = page.locator("#indicator-problems li");
      await problems.first().waitFor();
      assert.deepEqual(await problems.allTextContents(), [
        "Line 3: not an IPv4 address (four numbers 0–255 separated by dots) 300.1.2.3",
        "Line 5: host bits are set: give the network address of the prefix 10.2.0.1/16",
      ]);
      assert.match(
        await page.locator("#indicator-check").textContent(),
        /Indicators recognised: 2; with a problem: 2\./,
      );
      assert.equal(await indicators.getAttribute("aria-invalid"), "true");
      await indicators.fill("10.2.0.7 scanner\nc2.example.ke\n10.2.0.0/16 their range");
      await page.locator("#indicator-problems").waitFor({ state: "detached" });
      assert.equal(await indicators.getAttribute("aria-invalid"), null);
      await page.getByRole("button", { name: "Save as draft" }).click();
      await page.waitForURL(/\/requests\/req_[^/?]+\?saved=1$/);
      id = new URL(page.url()).pathname.split("/").pop();
      await page.getByText("Draft saved — nothing has been sent.").waitFor();
      assert.match(await page.locator("#request-status").textContent(), /Draft/);
      // Submitting the incomplete draft from its page: the node's refusal names the field.
      await page.getByRole("button", { name: "Submit", exact: true }).click();
      await page.getByRole("button", { name: "Submit the request" }).click();
      await page.getByRole("alert").getByText("Please check “Description”: is required").waitFor();

      // The drafts tab lists it; open, edit, complete.
      await page.getByRole("link", { name: "Cooperation requests" }).click();
      await page.getByRole("link", { name: "Drafts" }).click();
      await page.waitForURL(/box=drafts/);
      await page.locator(`#requests-table tr[data-id="${id}"]`).waitFor();
      await page.locator(`#requests-table tr[data-id="${id}"] a`).click();
      await page.getByRole("link", { name: "Edit the draft" }).click();
      await page.waitForURL(new RegExp(`/requests/${id}/edit$`));
      assert.equal(await page.getByLabel(/^Requested state/).inputValue(), "KE");
      // Someone else in the organisation changes the draft meanwhile: saving is refused (412),
      // nothing is overwritten, and the latest version can be reloaded.
      const current = await asFrance("GET", `/requests/${id}`);
      const meanwhile = await asFrance("PATCH", `/requests/${id}`, {
        body: { urgency: "critical" },
        headers: { "If-Match": current.etag },
      });
      assert.equal(meanwhile.status, 200);
      await page.getByLabel(/^Subject/).fill("Changed here too");
      await page.getByRole("button", { name: "Save as draft" }).click();
      await page
        .getByRole("alert")
        .getByText(/Someone else changed this record/)
        .waitFor();
      assert.equal(
        (await asFrance("GET", `/requests/${id}`)).body.content.subject,
        "Scanning of grid operators from Kenyan addresses",
      );
      await page.getByRole("button", { name: "Reload the latest version" }).click();
      await page.waitForFunction(() => document.querySelector("#rq-urgency")?.value === "critical");
      // Submitting with fields missing: each is marked, nothing is sent.
      await page.getByRole("button", { name: "Submit the request" }).click();
      await page.getByText(/Please correct the \d+ marked fields/).waitFor();
      assert.equal(await page.getByLabel(/^Description/).getAttribute("aria-invalid"), "true");
      assert.equal((await asFrance("GET", `/requests/${id}`)).body.status, "draft");

      await page
        .getByLabel(/^Description/)
        .fill("Scanning and brute force against our grid operators.");
      await page.getByLabel("Critical-infrastructure sector").selectOption("energy");
      await page.getByLabel("Block or sinkhole").check();
      await page.getByLabel("Investigate").check();
      await page.getByLabel(/^Evidence/).fill("Firewall logs of two operators.");
      // The observed window in UTC: an end before the start is refused as it is typed.
      await page.getByLabel(/^Observed from \(UTC\)/).fill(utcInput(30));
      await page.getByLabel(/^Observed until \(UTC\)/).fill(utcInput(40));
      await page.getByText("The window ends before it starts.").waitFor();
      await page.getByLabel(/^Observed until \(UTC\)/).fill(utcInput(1));
      await page.getByLabel(/^Impact/).fill("Degraded remote access.");
      await page.getByRole("button", { name: "Submit the request" }).click();
      await page.waitForURL(new RegExp(`/requests/${id}\\?sent=1$`));
      await page.locator("#request-sent").waitFor();
      assert.match(await page.locator("#request-sent").textContent(), /submitted to Kenya/);
      assert.match(await page.locator("#request-status").textContent(), /Submitted/);
      assert.match(await page.locator("#tlp-banner").textContent(), /TLP:AMBER/);
      const sent = (await asFrance("GET", `/requests/${id}`)).body;
      assert.equal(sent.status, "submitted");
      assert.equal(sent.routing.level, "technical");
      // Kenya's CERT contact was e-mailed through the real SMTP sink.
      await mailTo("incident@cert.ke.demo.test", id);
      await signOut(page);

      // ---- Kenya: inbox, acknowledge (and a stale second tab), message, answer ------------------
      await signIn(page, KE_ANALYST);
      await page.goto(`${BASE}/requests`);
      const row = page.locator(`#requests-table tr[data-id="${id}"]`);
      await row.waitFor();
      assert.match(await row.textContent(), /France/);
      assert.match(await row.textContent(), /Submitted/);
      assert.match(await row.textContent(), /Acknowledge by/);
      await row.getByRole("link").click();
      await page.waitForURL(new RegExp(`/requests/${id}$`));
      const other = await context.newPage();
      await other.goto(`${BASE}/requests/${id}`);
      await other.getByRole("button", { name: "Acknowledge" }).waitFor();

      await page.getByRole("button", { name: "Acknowledge", exact: true }).click();
      await page.getByLabel("Note (optional)").fill("Received; our CERT is looking into it.");
      await page.getByRole("button", { name: "Confirm the acknowledgement" }).click();
      await page.locator("#request-status").getByText("Acknowledged").waitFor();
      assert.match(await page.locator("#transition-done").textContent(), /You acknowledged/);

      // The other tab still holds version 2: its acknowledgement is refused with 412.
      await other.getByRole("button", { name: "Acknowledge", exact: true }).click();
      await other.getByRole("button", { name: "Confirm the acknowledgement" }).click();
      await other.getByText(/Someone else moved this request on/).waitFor();
      await other.getByRole("button", { name: "Reload the latest version" }).click();
      await other.getByRole("button", { name: "Answer", exact: true }).waitFor();
      assert.equal(
        await other.getByRole("button", { name: "Acknowledge", exact: true }).count(),
        0,
      );
      await other.close();

      await page.getByLabel("Message", { exact: true }).fill("We have blocked 10.2.0.7 upstream.");
      await page.getByRole("button", { name: "Send the message" }).click();
      await page.locator("#messages li").first().waitFor();
      // A file attached to the request, and downloaded back with its SHA-256.
      const log = "2026-11-28T06:00:01Z 10.2.0.7 -> 192.0.2.10:22 SYN\n";
      await page.getByLabel("File to attach").setInputFiles({
        name: "firewall.log",
        mimeType: "",
        buffer: Buffer.from(log),
      });
      await page.getByRole("button", { name: "Attach the file" }).click();
      const attachment = page.locator("#attachments tbody tr").first();
      await attachment.waitFor();
      assert.match(await attachment.textContent(), /firewall\.log \(text\/plain\)/);
      const download = await attachment
        .getByRole("link", { name: "firewall.log" })
        .evaluate(async (a) => {
          const response = await fetch(a.href, { credentials: "same-origin" });
          return { text: await response.text(), sha: response.headers.get("X-Liaison-SHA256") };
        });
      assert.equal(download.text, log);
      assert.match(await attachment.textContent(), new RegExp(download.sha));
      // A file of a type the node does not keep is refused with a reason.
      await page.getByLabel("File to attach").setInputFiles({
        name: "tool.exe",
        mimeType: "application/x-msdownload",
        buffer: Buffer.from("MZ"),
      });
      await page.getByRole("button", { name: "Attach the file" }).click();
      await page
        .getByRole("alert")
        .getByText(/This kind of file cannot be attached/)
        .waitFor();
      assert.equal(await page.locator("#attachments tbody tr").count(), 1);
      await page.getByRole("button", { name: "Answer", exact: true }).click();
      await page.getByLabel("Outcome").selectOption("mitigated");
      await page
        .getByLabel("What was done")
        .fill("The host was cleaned and the range is filtered.");
      await page.getByRole("button", { name: "Send the answer" }).click();
      await page.locator("#request-status").getByText("Answered").waitFor();
      assert.match(await page.locator("#transition-done").textContent(), /Your answer was sent/);
      assert.equal(await page.locator("#request-actions").count(), 0, "nothing left to do");
      await signOut(page);

      // ---- France: sees the status, the answer, the message and the receipts -------------------
      await signIn(page, FR_ANALYST);
      await page.goto(`${BASE}/requests?box=outbox`);
      const mine = page.locator(`#requests-table tr[data-id="${id}"]`);
      await mine.waitFor();
      assert.match(await mine.textContent(), /Answered/);
      await mine.getByRole("link").click();
      await page.locator("#resolution").waitFor();
      const resolution = await page.locator("#resolution").textContent();
      assert.match(resolution, /Mitigated/);
      assert.match(resolution, /The host was cleaned and the range is filtered\./);
      assert.match(await page.locator("#messages").textContent(), /blocked 10\.2\.0\.7 upstream/);
      await page.locator("#receipts li").nth(2).waitFor();
      const receipts = await page.locator("#receipts li").allTextContents();
      assert.match(receipts[0], /Submitted/);
      assert.match(receipts[1], /Acknowledged/);
      assert.match(receipts[2], /Answered/);
      const keys = await (await fetch(`${BASE}/.well-known/liaison-keys.json`)).json();
      assert.match(receipts[0], new RegExp(keys.keys[0].kid));
      const timeline = await page
        .locator("#timeline li")
        .evaluateAll((items) => items.map((li) => li.dataset.kind));
      assert.deepEqual(
        timeline.filter((k) => k !== "message" && k !== "attachment"),
        // Edited twice as a draft: by the colleague, then by the form before submitting.
        ["created", "updated", "updated", "submitted", "acknowledged", "answered"],
      );
      // France closes it, rating the answer.
      await page.getByRole("button", { name: "Close", exact: true }).click();
      await page.getByLabel("Was it helpful?").selectOption("5");
      await page.getByRole("button", { name: "Close the request" }).click();
      await page.locator("#request-status").getByText("Closed").waitFor();
      assert.match(await page.locator("#transition-done").textContent(), /The request is closed/);

      // In Arabic, the request page reads right to left; indicators stay left to right.
      await chooseLanguage(page, "ar");
      await page.waitForFunction(() =>
        document.querySelector("#request-status")?.textContent.includes("مغلق"),
      );
      assert.equal(await page.locator("html").getAttribute("dir"), "rtl");
      const cell = page.locator("#request-indicators code").first();
      assert.equal(await cell.evaluate((el) => getComputedStyle(el).direction), "ltr");
      await chooseLanguage(page, "en");
      await signOut(page);

      // ---- Germany: a third state cannot open it -------------------------------------------------
      await signIn(page, deAnalyst);
      await page.goto(`${BASE}/requests/${id}`);
      await page.getByRole("heading", { name: "Request not found" }).waitFor();
      assert.doesNotMatch(await page.locator("main").textContent(), /grid operators/);
      const status = await page.evaluate(
        async (path) => (await fetch(path, { credentials: "same-origin" })).status,
        `/api/v1/requests/${id}`,
      );
      assert.equal(status, 404);
      await page.goto(`${BASE}/requests?box=inbox`);
      await page
        .locator("#requests-count")
        .getByText(/0 requests/)
        .waitFor();
      assert.equal(await page.locator(`tr[data-id="${id}"]`).count(), 0);
    });
  },

  // The main screens in English and Arabic: an axe-core check (no serious or critical
  // violation) and a full-page screenshot of each.
  async screens() {
    await withBrowser(async (page) => {
      // A campaign with an answer, so that its report and chart have something to show.
      const deadline = new Date(Date.now() + 7 * 86_400_000).toISOString();
      const campaign = await api("POST", "/pings", {
        body: { scope: "states", states: ["FR", "KE", "SN"], level: "both", deadline },
      });
      assert.equal(campaign.status, 201);
      const link = await ackLinkFor("cyber-desk@mfa.fr.demo.test");
      const form = await fetch(link, { method: "POST" });
      assert.equal(form.status, 200);
      const contact = (await api("GET", "/contacts?q=Ndiaye")).body.items[0];
      // A submitted request with a message, and a draft, for the request screens.
      const asFrance = await sessionOf(FR_POLICY);
      const request = await asFrance("POST", "/requests", {
        body: mitigationBody("Scanning of grid operators"),
      });
      assert.equal(request.status, 201, JSON.stringify(request.body));
      const message = await asFrance("POST", `/requests/${request.body.id}/messages`, {
        body: { body: "Logs are available on request." },
      });
      assert.equal(message.status, 201);
      // Brazil without its technical contacts (primary and backup): a mitigation request goes to
      // its policy contact, and the request page says so.
      for (const brazil of (await api("GET", "/contacts?state=BR&level=technical")).body.items) {
        const removed = await api("DELETE", `/contacts/${brazil.id}`, {
          headers: { "If-Match": `"${brazil.version}"` },
        });
        assert.equal(removed.status, 204);
      }
      const fallback = await asFrance("POST", "/requests", {
        body: { ...mitigationBody("Scanning from Brazil"), requested_state: "BR" },
      });
      assert.equal(fallback.status, 201);
      assert.equal(fallback.body.routing.fell_back_to_policy, true);
      const draft = await asFrance("POST", "/requests", {
        body: mitigationBody("Follow-up", { submit: false }),
      });
      assert.equal(draft.status, 201);

      let checked = 0;
      for (const language of ["en", "ar"]) {
        await page.goto(`${BASE}/login`);
        await chooseLanguage(page, language);
        await page.locator("#login-email").waitFor();
        checked += await axeCheck(page, `login (${language})`);
        await page.screenshot({ path: join(SHOTS, `${language}-login.png`), fullPage: true });
        await page.locator("#login-email").fill(OPERATOR);
        await page.locator("#login-password").fill(PASSWORD);
        await page.locator("form button[type=submit]").click();
        await page.waitForURL(/\/contacts/);
        const screens = [
          ["contacts", "/contacts", "main tbody tr"],
          ["states", "/states", ".state-tile"],
          ["contact", `/contacts/${contact.id}`, "article"],
          ["campaigns", "/campaigns", "main tbody tr"],
          ["campaign", `/campaigns/${campaign.body.id}`, "figure svg"],
          ["audit", "/audit", "main tbody tr"],
          // Operators see every request's metadata, never its content.
          ["requests-all", "/requests", `#requests-table tr[data-id="${request.body.id}"]`],
          ["request-metadata", `/requests/${request.body.id}`, "#timeline li"],
          ["jurisdiction", "/jurisdiction?q=10.0.0.0/14", "article.answer table"],
          ["jurisdiction-ip", "/jurisdiction?q=10.1.2.3", "article.answer dl"],
          ["feeds", "/jurisdiction/feeds", "#feed-file"],
          ["profile", "/me", "main dl"],
        ];
        for (const [name, path, ready] of screens) {
          await page.goto(`${BASE}${path}`);
          await page.locator(ready).first().waitFor();
          checked += await axeCheck(page, `${name} (${language})`);
          await page.screenshot({ path: join(SHOTS, `${language}-${name}.png`), fullPage: true });
          if (name === "audit" && language === "en") {
            // Operators verify the hash chain from the audit screen.
            await page.getByRole("button", { name: "Verify the audit log" }).click();
            await page.getByText(/The audit log is intact: [\d,]+ entries checked/).waitFor();
          }
        }
        await page
          .getByRole("button", { name: language === "en" ? "Sign out" : "تسجيل الخروج" })
          .click();
        await page.waitForURL(/\/login$/);

        // The request screens, as a state's policy account (operators never see content).
        await page.locator("#login-email").fill(FR_POLICY);
        await page.locator("#login-password").fill(PASSWORD);
        await page.locator("form button[type=submit]").click();
        await page.waitForURL(/\/contacts/);
        const requestScreens = [
          ["requests-inbox", "/requests?box=inbox", "#requests-count:not(:empty)"],
          ["requests-outbox", "/requests?box=outbox", "#requests-table tbody tr"],
          ["request-new", "/requests/new", "#rq-subject"],
          ["request", `/requests/${request.body.id}`, "#receipts li"],
          ["request-draft-edit", `/requests/${draft.body.id}/edit`, "#rq-mitigation-evidence"],
          ["request-fallback", `/requests/${fallback.body.id}`, "#routing-notice"],
        ];
        for (const [name, path, ready] of requestScreens) {
          await page.goto(`${BASE}${path}`);
          await page.locator(ready).first().waitFor();
          if (name === "request-new") {
            // The per-line check and a field problem are on the page when it is checked.
            await page.locator("#rq-indicators").fill("10.2.0.7 scanner\n300.1.2.3");
            await page.locator("#indicator-problems").waitFor();
            await page.locator("form.request-form button[type=submit]").click();
            await page.locator(".field-error").first().waitFor();
          }
          checked += await axeCheck(page, `${name} (${language})`);
          await page.screenshot({ path: join(SHOTS, `${language}-${name}.png`), fullPage: true });
        }
        await page.locator("header .link-button").click();
        await page.waitForURL(/\/login$/);
      }
      console.log(`axe-core: ${checked} rule checks passed; screenshots in ${SHOTS}`);
    });
  },
};

const name = process.argv[2];
if (!scenarios[name]) {
  console.error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(", ")}`);
  process.exit(2);
}
try {
  await scenarios[name]();
  console.log(`${name}: 1 passed, 0 failed`);
} catch (error) {
  console.error(error);
  console.log(`${name}: 0 passed, 1 failed`);
  process.exit(1);
}
