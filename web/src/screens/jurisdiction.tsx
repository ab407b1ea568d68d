// Jurisdiction look-ups: which state is responsible for an IP address, a CIDR prefix, an AS
// number or a domain (one item, kept in the address bar as ?q=), and a batch of pasted items
// through POST /jurisdiction/lookup. Addresses, prefixes and domains are always laid out left to
// right, also inside Arabic text.

import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import {
  api,
  ApiError,
  type AsAnswer,
  type BatchReply,
  type BatchResult,
  type CountryShare,
  type DomainAnswer,
  type IpAnswer,
  type IpRange,
  type JurisdictionInfo,
  type LookupAnswer,
  type PrefixAnswer,
  type State,
} from "../api";
import { useApp } from "../app";
import { Field, Flag, Heading, StateLabel, problemText, useLoad, useStates } from "../components";
import { lookupKind, lookupPath, numberedLines } from "../format";
import type { MessageKey, Translator } from "../i18n";
import { navigate } from "../router";

/** The most items one batch may hold (the server's limit). */
const MAX_BATCH_ITEMS = 100_000;
/** What the look-up field takes, shown as examples. */
const EXAMPLES = ["192.0.2.1", "2001:db8::/32", "AS64500", "ministere.example.fr"];

/** Left-to-right text isolated inside a message (U+2066 … U+2069), so that an address keeps
 * its order in a right-to-left sentence. */
function isolated(text: string): string {
  return `\u2066${text}\u2069`;
}

export function JurisdictionScreen({ query }: { query: URLSearchParams }) {
  const { tr } = useApp();
  const states = useStates();
  const q = (query.get("q") || "").trim();
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const { data, error, loading } = useLoad(
    () =>
      q
        ? api
            .get<Omit<LookupAnswer, "kind">>(lookupPath(q))
            .then((reply) => ({ kind: lookupKind(q), ...reply.body }) as LookupAnswer)
        : Promise.resolve(null),
    [q],
  );

  function submit(event: Event) {
    event.preventDefault();
    const item = text.trim();
    if (item) navigate(`/jurisdiction?q=${encodeURIComponent(item)}`);
  }

  return (
    <section>
      <Heading text={tr.t("jurisdiction.title")} />
      <p>{tr.t("jurisdiction.intro")}</p>
      <p>
        <a href="/jurisdiction/feeds">{tr.t("feeds.title")}</a>
      </p>
      <form class="card stack" role="search" onSubmit={submit} aria-labelledby="lookup-heading">
        <h2 id="lookup-heading">{tr.t("jurisdiction.lookup")}</h2>
        <Field
          id="lookup-q"
          label={tr.t("jurisdiction.query")}
          hint={tr.t("jurisdiction.queryHint", { examples: tr.listText(EXAMPLES.map(isolated)) })}
        >
          <input
            id="lookup-q"
            type="text"
            dir="ltr"
            autocomplete="off"
            spellcheck={false}
            required
            aria-describedby="lookup-q-hint"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </Field>
        <div>
          <button type="submit">{tr.t("jurisdiction.lookupButton")}</button>
        </div>
      </form>
      <div aria-live="polite">
        {q && loading && <p role="status">{tr.t("common.loading")}</p>}
        {q && !loading && !!error && (
          <p class="note error" role="alert">
            {lookupProblem(tr, error)}
          </p>
        )}
        {q && !loading && data && <Answer answer={data} states={states} />}
      </div>
      <BatchForm states={states} />
    </section>
  );
}

/** A sentence for a failed look-up: the jurisdiction API's own reasons first. */
function lookupProblem(tr: Translator, error: unknown): string {
  if (error instanceof ApiError) {
    const { status, reason } = error.problem;
    if (status === 503) return tr.t("jurisdiction.noData");
    const known: Record<string, MessageKey> = {
      invalid_address: "jurisdiction.error.address",
      invalid_prefix_length: "jurisdiction.error.prefixLength",
      invalid_as_number: "jurisdiction.error.asNumber",
      invalid_domain: "jurisdiction.error.domain",
      not_cctld: "jurisdiction.error.notCcTld",
    };
    if (reason && known[reason]) return tr.t(known[reason]);
    if (status === 404) return tr.t("jurisdiction.error.notFound");
  }
  return problemText(tr, error);
}

/** Text that is always left to right (addresses, prefixes, domains), isolated from its
 * surroundings so that Arabic text around it keeps its order. */
function Ltr({ children }: { children: ComponentChildren }) {
  return (
    <bdi dir="ltr" class="ltr">
      {children}
    </bdi>
  );
}

/** One term of a description list and its value. */
function Pair({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

function familyText(family: "ipv4" | "ipv6"): string {
  return family === "ipv4" ? "IPv4" : "IPv6";
}

/** An AS number that opens its own look-up. */
function AsLink({ number }: { number: number }) {
  return (
    <a href={`/jurisdiction?q=AS${number}`}>
      <Ltr>AS{number}</Ltr>
    </a>
  );
}

function RangeText({ range }: { range: IpRange }) {
  return (
    <Ltr>
      {range.first} – {range.last}
    </Ltr>
  );
}

/** A country or territory code with its flag and name ("GP" → Guadeloupe), or "no data". */
function CountryLabel({ code }: { code: string | null }) {
  const { tr } = useApp();
  if (!code) return <span>{tr.t("jurisdiction.noCountry")}</span>;
  return (
    <span class="state-label">
      <Flag alpha2={code} /> {tr.regionName(code)} <span class="muted">({code})</span>
    </span>
  );
}

function statusText(tr: Translator, status: string): string {
  const key = `jurisdictionStatus.${status}` as MessageKey;
  const text = tr.t(key);
  return text === key ? status : text;
}

/** The responsible state, or why there is none (disputed, not a state…) and who administers. */
function Responsible({
  state,
  info,
  states,
}: {
  state: string | null;
  info: JurisdictionInfo | null;
  states: State[];
}) {
  const { tr } = useApp();
  if (state) return <StateLabel alpha2={state} states={states} />;
  return (
    <span>
      {tr.t("jurisdiction.noResponsibleState")}
      {info?.administered_by && (
        <>
          {" "}
          {tr.t("jurisdiction.administeredBy", {
            state: stateName(states, info.administered_by),
          })}
        </>
      )}
    </span>
  );
}

/** Country or territory, responsible state and, when known, the status with its note (the
 * server's reviewed note, in English). */
function PlacePairs({
  country,
  state,
  info,
  note,
  states,
}: {
  country: string | null;
  state: string | null;
  info: JurisdictionInfo | null;
  note: string | null | undefined;
  states: State[];
}) {
  const { tr } = useApp();
  return (
    <>
      <Pair label={tr.t("jurisdiction.country")}>
        <CountryLabel code={country} />
      </Pair>
      <Pair label={tr.t("jurisdiction.state")}>
        <Responsible state={state} info={info} states={states} />
      </Pair>
      {info && (
        <Pair label={tr.t("jurisdiction.status")}>
          {statusText(tr, info.status)}
          {note && (
            <span class="hint" lang="en">
              {" "}
              {note}
            </span>
          )}
        </Pair>
      )}
    </>
  );
}

function stateName(states: State[], alpha2: string): string {
  return states.find((s) => s.alpha2 === alpha2)?.name || alpha2;
}

function Answer({ answer, states }: { answer: LookupAnswer; states: State[] }) {
  const { tr } = useApp();
  return (
    <article class="card answer" aria-labelledby="answer-heading">
      <h2 id="answer-heading">{tr.t(`lookupKind.${answer.kind}` as MessageKey)}</h2>
      {answer.kind === "ip" && <IpDetails answer={answer} states={states} />}
      {answer.kind === "prefix" && <PrefixDetails answer={answer} states={states} />}
      {answer.kind === "asn" && <AsDetails answer={answer} states={states} />}
      {answer.kind === "domain" && <DomainDetails answer={answer} states={states} />}
    </article>
  );
}

function IpDetails({ answer, states }: { answer: IpAnswer; states: State[] }) {
  const { tr } = useApp();
  return (
    <dl class="pairs">
      <Pair label={tr.t("jurisdiction.address")}>
        <Ltr>{answer.address}</Ltr> ({familyText(answer.family)})
      </Pair>
      <PlacePairs
        country={answer.country}
        state={answer.state}
        info={answer.jurisdiction}
        note={answer.jurisdiction?.note}
        states={states}
      />
      <Pair label={tr.t("jurisdiction.range")}>
        <RangeText range={answer.range} />
      </Pair>
      <Pair label={tr.t("jurisdiction.as")}>
        {answer.as ? (
          <>
            <AsLink number={answer.as.number} /> {answer.as.name} (
            <RangeText range={answer.as.range} />)
          </>
        ) : (
          tr.t("jurisdiction.noAs")
        )}
      </Pair>
      <Pair label={tr.t("jurisdiction.dataVersion")}>
        <Ltr>{answer.data_version}</Ltr>
      </Pair>
    </dl>
  );
}

function StateList({ codes, states }: { codes: string[]; states: State[] }) {
  const { tr } = useApp();
  if (codes.length === 0) return <span>{tr.t("jurisdiction.noResponsibleState")}</span>;
  return (
    <ul class="plain state-list">
      {codes.map((code) => (
        <li key={code}>
          <StateLabel alpha2={code} states={states} />
        </li>
      ))}
    </ul>
  );
}

function SharesTable({
  shares,
  caption,
  states,
}: {
  shares: CountryShare[];
  caption: string;
  states: State[];
}) {
  const { tr } = useApp();
  if (shares.length === 0) return null;
  return (
    <div class="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{tr.t("jurisdiction.country")}</th>
            <th scope="col">{tr.t("jurisdiction.state")}</th>
            <th scope="col">{tr.t("jurisdiction.status")}</th>
            <th scope="col">{tr.t("jurisdiction.addresses")}</th>
          </tr>
        </thead>
        <tbody>
          {shares.map((share, i) => (
            <tr key={`${share.country}-${i}`}>
              <td>
                <CountryLabel code={share.country} />
              </td>
              <td>
                {share.state ? (
                  <StateLabel alpha2={share.state} states={states} />
                ) : (
                  tr.t("jurisdiction.noResponsibleState")
                )}
              </td>
              <td>{statusText(tr, share.status)}</td>
              <td class="num">{tr.bigText(share.addresses)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AsNumbers({ numbers, truncated }: { numbers: number[]; truncated: boolean }) {
  const { tr } = useApp();
  if (numbers.length === 0) return <span>{tr.t("jurisdiction.noAs")}</span>;
  return (
    <span>
      {numbers.map((n, i) => (
        <span key={n}>
          {i > 0 && tr.t("common.listSeparator")}
          <AsLink number={n} />
        </span>
      ))}
      {truncated && <> {tr.t("jurisdiction.truncated")}</>}
    </span>
  );
}

function PrefixDetails({ answer, states }: { answer: PrefixAnswer; states: State[] }) {
  const { tr } = useApp();
  return (
    <>
      <dl class="pairs">
        <Pair label={tr.t("jurisdiction.prefix")}>
          <Ltr>{answer.prefix}</Ltr> ({familyText(answer.family)})
        </Pair>
        <Pair label={tr.t("jurisdiction.range")}>
          <RangeText range={{ first: answer.first, last: answer.last }} />
        </Pair>
        <Pair label={tr.t("jurisdiction.states")}>
          <StateList codes={answer.states} states={states} />
        </Pair>
        <Pair label={tr.t("jurisdiction.asNumbers")}>
          <AsNumbers numbers={answer.as_numbers} truncated={answer.as_numbers_truncated} />
        </Pair>
        <Pair label={tr.t("jurisdiction.dataVersion")}>
          <Ltr>{answer.data_version}</Ltr>
        </Pair>
      </dl>
      <SharesTable
        shares={answer.countries}
        caption={tr.t("jurisdiction.sharesCaption")}
        states={states}
      />
    </>
  );
}

function AsDetails({ answer, states }: { answer: AsAnswer; states: State[] }) {
  const { tr } = useApp();
  return (
    <>
      <dl class="pairs">
        <Pair label={tr.t("jurisdiction.as")}>
          <Ltr>AS{answer.number}</Ltr> {tr.listText(answer.names)}
        </Pair>
        <Pair label={tr.t("jurisdiction.states")}>
          <StateList codes={answer.states} states={states} />
        </Pair>
        <Pair label={tr.t("jurisdiction.rangeCount")}>{tr.numberText(answer.range_count)}</Pair>
        <Pair label={tr.t("jurisdiction.dataVersion")}>
          <Ltr>{answer.data_version}</Ltr>
        </Pair>
      </dl>
      <SharesTable
        shares={answer.countries_v4}
        caption={tr.t("jurisdiction.sharesV4")}
        states={states}
      />
      <SharesTable
        shares={answer.countries_v6}
        caption={tr.t("jurisdiction.sharesV6")}
        states={states}
      />
      <h3>{tr.t("jurisdiction.ranges")}</h3>
      <ul class="ranges">
        {answer.ranges.map((range) => (
          <li key={range.first}>
            <RangeText range={range} />
          </li>
        ))}
      </ul>
      {answer.ranges_truncated && (
        <p class="hint">
          {tr.t("jurisdiction.rangesTruncated", {
            shown: tr.numberText(answer.ranges.length),
            count: tr.numberText(answer.range_count),
          })}
        </p>
      )}
    </>
  );
}

function DomainDetails({ answer, states }: { answer: DomainAnswer; states: State[] }) {
  const { tr } = useApp();
  return (
    <dl class="pairs">
      <Pair label={tr.t("jurisdiction.domain")}>
        <Ltr>{answer.name}</Ltr>
      </Pair>
      <Pair label={tr.t("jurisdiction.tld")}>
        <Ltr>.{answer.tld}</Ltr>
        {answer.tld_unicode && (
          <>
            {" "}
            (<bdi>.{answer.tld_unicode}</bdi>)
          </>
        )}
      </Pair>
      <PlacePairs
        country={answer.country}
        state={answer.state}
        info={answer.jurisdiction}
        note={answer.note || answer.jurisdiction.note}
        states={states}
      />
    </dl>
  );
}

// ---- the batch -----------------------------------------------------------------------------

interface BatchRow {
  line: number;
  result: BatchResult;
}

function BatchForm({ states }: { states: State[] }) {
  const { tr } = useApp();
  const [text, setText] = useState("");
  const [rows, setRows] = useState<BatchRow[] | null>(null);
  const [reply, setReply] = useState<BatchReply | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const lines = numberedLines(text);
    setError(null);
    setRows(null);
    setReply(null);
    if (lines.length === 0) return;
    if (lines.length > MAX_BATCH_ITEMS) {
      setError(
        tr.t("batch.tooMany", {
          count: tr.numberText(lines.length),
          max: tr.numberText(MAX_BATCH_ITEMS),
        }),
      );
      return;
    }
    setBusy(true);
    try {
      const answer = await api.post<BatchReply>("/jurisdiction/lookup", {
        items: lines.map((l) => l.item),
      });
      setReply(answer.body);
      setRows(answer.body.results.map((result, i) => ({ line: lines[i].line, result })));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <form class="card stack" onSubmit={submit} aria-labelledby="batch-heading">
        <h2 id="batch-heading">{tr.t("batch.title")}</h2>
        <Field
          id="batch-items"
          label={tr.t("batch.items")}
          hint={tr.t("batch.itemsHint", { max: tr.numberText(MAX_BATCH_ITEMS) })}
        >
          <textarea
            id="batch-items"
            rows={6}
            dir="ltr"
            spellcheck={false}
            aria-describedby="batch-items-hint"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </Field>
        <div>
          <button type="submit" disabled={busy}>
            {tr.t("batch.submit")}
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {busy && <p role="status">{tr.t("common.loading")}</p>}
        {!!error && (
          <p class="note error" role="alert">
            {typeof error === "string" ? error : lookupProblem(tr, error)}
          </p>
        )}
        {reply && rows && (
          <>
            <p role="status" id="batch-summary">
              {tr.t("batch.summary", {
                count: tr.numberText(reply.count),
                failed: tr.numberText(reply.failed),
                version: reply.data_version,
              })}
            </p>
            <BatchTable rows={rows} states={states} />
          </>
        )}
      </div>
    </>
  );
}

function BatchTable({ rows, states }: { rows: BatchRow[]; states: State[] }) {
  const { tr } = useApp();
  return (
    <div class="table-wrap">
      <table id="batch-results">
        <caption>{tr.t("batch.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{tr.t("batch.line")}</th>
            <th scope="col">{tr.t("batch.item")}</th>
            <th scope="col">{tr.t("batch.kind")}</th>
            <th scope="col">{tr.t("jurisdiction.country")}</th>
            <th scope="col">{tr.t("jurisdiction.states")}</th>
            <th scope="col">{tr.t("jurisdiction.as")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ line, result }) => (
            <tr key={line} class={result.error ? "failed" : undefined}>
              <td class="num">{tr.numberText(line)}</td>
              <td>
                <Ltr>{result.item}</Ltr>
              </td>
              {result.error ? (
                <td colSpan={4} class="cell-error">
                  {batchErrorText(tr, result.error)}
                </td>
              ) : (
                <BatchCells answer={result} states={states} />
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function batchErrorText(
  tr: Translator,
  error: { code: string; reason: string | null; message: string },
): string {
  return lookupProblem(
    tr,
    new ApiError({
      status: error.code === "not_found" ? 404 : error.code === "unavailable" ? 503 : 400,
      code: error.code,
      reason: error.reason || undefined,
      detail: error.message,
    }),
  );
}

function BatchCells({ answer, states }: { answer: LookupAnswer; states: State[] }) {
  const { tr } = useApp();
  const kind = <td>{tr.t(`lookupKind.${answer.kind}` as MessageKey)}</td>;
  switch (answer.kind) {
    case "ip":
      return (
        <>
          {kind}
          <td>
            <CountryLabel code={answer.country} />
          </td>
          <td>
            <Responsible state={answer.state} info={answer.jurisdiction} states={states} />
          </td>
          <td>{answer.as ? `AS${answer.as.number} ${answer.as.name}` : "—"}</td>
        </>
      );
    case "prefix":
      return (
        <>
          {kind}
          <td>
            {tr.listText(answer.countries.map((c) => c.country || tr.t("jurisdiction.noCountry")))}
          </td>
          <td>
            <StateList codes={answer.states} states={states} />
          </td>
          <td>
            <AsNumbers numbers={answer.as_numbers} truncated={answer.as_numbers_truncated} />
          </td>
        </>
      );
    case "asn":
      return (
        <>
          {kind}
          <td>
            {tr.listText(
              [...answer.countries_v4, ...answer.countries_v6]
                .map((c) => c.country || "")
                .filter((c, i, all) => c && all.indexOf(c) === i),
            )}
          </td>
          <td>
            <StateList codes={answer.states} states={states} />
          </td>
          <td>
            AS{answer.number} {tr.listText(answer.names)}
          </td>
        </>
      );
    case "domain":
      return (
        <>
          {kind}
          <td>
            <CountryLabel code={answer.country} />
          </td>
          <td>
            <Responsible state={answer.state} info={answer.jurisdiction} states={states} />
          </td>
          <td>—</td>
        </>
      );
  }
}
