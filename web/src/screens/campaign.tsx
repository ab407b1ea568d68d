// One campaign: its status, refreshed while answers arrive, and its report per state and level
// with a bar chart drawn here in SVG and the same figures as a table.

import { useEffect } from "preact/hooks";
import { api, type Campaign, type CampaignReport, type ReportRow, type State } from "../api";
import { useApp } from "../app";
import {
  BackLink,
  emojiFlagsSupported,
  ErrorNote,
  Heading,
  StateLabel,
  Time,
  useLoad,
  useStates,
} from "../components";
import { flagEmoji, percent } from "../format";
import { ScopeText } from "./campaigns";

const REFRESH_MS = 5000;

export function CampaignScreen({ params }: { params: Record<string, string> }) {
  const { tr } = useApp();
  const states = useStates();
  const id = encodeURIComponent(params.id);
  const status = useLoad(() => api.get<Campaign>(`/pings/${id}`), [id]);
  const report = useLoad(() => api.get<CampaignReport>(`/pings/${id}/report`), [id]);
  const open = status.data ? !status.data.body.closed : false;

  // Answers arrive while the campaign is open: refresh status and report until it closes.
  useEffect(() => {
    if (!open) return;
    const timer = window.setInterval(() => {
      status.reload();
      report.reload();
    }, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [open, id]);

  if (status.error) {
    return (
      <section>
        <Heading text={tr.t("campaign.title")} />
        <ErrorNote error={status.error} />
      </section>
    );
  }
  if (!status.data) return <p role="status">{tr.t("common.loading")}</p>;
  const c = status.data.body;
  return (
    <section>
      <BackLink href="/campaigns" text={tr.t("campaigns.title")} />
      <Heading text={tr.t("campaign.title")} />
      <div class="card">
        <dl class="pairs">
          <dt>{tr.t("campaign.scope")}</dt>
          <dd>
            <ScopeText campaign={c} states={states} />
          </dd>
          <dt>{tr.t("campaign.level")}</dt>
          <dd>{tr.t(`campaignLevel.${c.level}` as never)}</dd>
          <dt>{tr.t("campaign.started")}</dt>
          <dd>
            <Time iso={c.created_at} />
          </dd>
          <dt>{tr.t("campaign.deadline")}</dt>
          <dd>
            <Time iso={c.deadline} />{" "}
            <span class="badge">{tr.t(c.closed ? "campaign.closed" : "campaign.open")}</span>
          </dd>
          <dt>{tr.t("campaign.emails")}</dt>
          <dd>{tr.numberText(c.emails_queued)}</dd>
        </dl>
        <p class="progress-line" role="status" aria-live="polite" id="campaign-status">
          {tr.t("campaign.answered", {
            acknowledged: tr.numberText(c.acknowledged),
            targets: tr.numberText(c.targets),
          })}
        </p>
        <progress
          max={Math.max(c.targets, 1)}
          value={c.acknowledged}
          aria-labelledby="campaign-status"
        />
      </div>
      <h2>{tr.t("report.title")}</h2>
      <ErrorNote error={report.error} />
      {report.data && <Report report={report.data.body} states={states} id={id} />}
    </section>
  );
}

interface StateTotals {
  state: string;
  targets: number;
  reached24h: number;
  reachedLater: number;
  notReached: number;
}

function totalsByState(rows: ReportRow[]): StateTotals[] {
  const byState = new Map<string, StateTotals>();
  for (const row of rows) {
    const t = byState.get(row.state) || {
      state: row.state,
      targets: 0,
      reached24h: 0,
      reachedLater: 0,
      notReached: 0,
    };
    t.targets += row.targets;
    t.reached24h += row.reached_24h;
    t.reachedLater += row.reached_by_deadline - row.reached_24h;
    t.notReached += row.not_reached;
    byState.set(row.state, t);
  }
  return [...byState.values()];
}

function Report({ report, states, id }: { report: CampaignReport; states: State[]; id: string }) {
  const { tr } = useApp();
  const totals = totalsByState(report.rows);
  const hours = (value: number | null) => (value === null ? "—" : tr.numberText(value));
  return (
    <div>
      <p class="muted">
        {tr.t("report.generated")} <Time iso={report.generated_at} /> ·{" "}
        <a href={`/api/v1/pings/${id}/report?format=csv`} download>
          {tr.t("report.csv")}
        </a>
      </p>
      <Chart totals={totals} states={states} />
      <div class="table-wrap">
        <table>
          <caption>{tr.t("report.tableCaption")}</caption>
          <thead>
            <tr>
              <th scope="col">{tr.t("contacts.state")}</th>
              <th scope="col">{tr.t("contacts.level")}</th>
              <th scope="col">{tr.t("report.targets")}</th>
              <th scope="col">{tr.t("report.reached24h")}</th>
              <th scope="col">{tr.t("report.reachedByDeadline")}</th>
              <th scope="col">{tr.t("report.notReached")}</th>
              <th scope="col">{tr.t("report.medianHours")}</th>
              <th scope="col">{tr.t("report.medianWorkingHours")}</th>
            </tr>
          </thead>
          <tbody>
            {report.rows.map((row) => (
              <tr key={`${row.state}-${row.level}`}>
                <th scope="row">
                  <StateLabel alpha2={row.state} states={states} />
                </th>
                <td>{row.level ? tr.t(`level.${row.level}` as never) : ""}</td>
                <td class="num">{tr.numberText(row.targets)}</td>
                <td class="num">{tr.numberText(row.reached_24h)}</td>
                <td class="num">{tr.numberText(row.reached_by_deadline)}</td>
                <td class="num">{tr.numberText(row.not_reached)}</td>
                <td class="num">{hours(row.median_hours)}</td>
                <td class="num">{hours(row.median_working_hours)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">{tr.t("report.total")}</th>
              <td />
              <td class="num">{tr.numberText(report.total.targets)}</td>
              <td class="num">{tr.numberText(report.total.reached_24h)}</td>
              <td class="num">{tr.numberText(report.total.reached_by_deadline)}</td>
              <td class="num">{tr.numberText(report.total.not_reached)}</td>
              <td class="num">{hours(report.total.median_hours)}</td>
              <td class="num">{hours(report.total.median_working_hours)}</td>
            </tr>
          </tfoot>
        </table>
      </div>
    </div>
  );
}

const BAR = 22;
const GAP = 10;
const LABEL = 180;
const WIDTH = 640;

/** Horizontal stacked bars per state, as shares of its targets; mirrored for right-to-left. */
function Chart({ totals, states }: { totals: StateTotals[]; states: State[] }) {
  const { tr } = useApp();
  if (totals.length === 0) return null;
  const rtl = tr.lang === "ar";
  const plot = WIDTH - LABEL - 50;
  const height = totals.length * (BAR + GAP);
  const name = (alpha2: string) => states.find((s) => s.alpha2 === alpha2)?.name || alpha2;
  // x of a span [from, from + width) of the plot area, in either direction.
  const x = (from: number, width: number) => (rtl ? WIDTH - LABEL - from - width : LABEL + from);
  const segments: { key: keyof StateTotals; cls: string; label: string }[] = [
    { key: "reached24h", cls: "seg-24h", label: tr.t("report.reached24h") },
    { key: "reachedLater", cls: "seg-later", label: tr.t("report.reachedLater") },
    { key: "notReached", cls: "seg-none", label: tr.t("report.notReached") },
  ];
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-labelledby="chart-title"
        width="100%"
        preserveAspectRatio="xMinYMin meet"
      >
        <title id="chart-title">{tr.t("report.chartTitle")}</title>
        {totals.map((t, i) => {
          const y = i * (BAR + GAP);
          let offset = 0;
          return (
            <g key={t.state}>
              <text
                x={rtl ? WIDTH - 4 : 4}
                y={y + BAR * 0.7}
                text-anchor="start"
                direction={rtl ? "rtl" : "ltr"}
                class="chart-label"
              >
                {emojiFlagsSupported() ? `${flagEmoji(t.state)} ${name(t.state)}` : name(t.state)}
              </text>
              {segments.map((s) => {
                const value = t[s.key] as number;
                const width = t.targets > 0 ? (value / t.targets) * plot : 0;
                const rect = (
                  <rect
                    key={s.key}
                    x={x(offset, width)}
                    y={y}
                    width={width}
                    height={BAR}
                    class={s.cls}
                  >
                    <title>{`${name(t.state)}: ${s.label} ${value}`}</title>
                  </rect>
                );
                offset += width;
                return rect;
              })}
              <text
                x={rtl ? WIDTH - LABEL - plot - 6 : LABEL + plot + 6}
                y={y + BAR * 0.7}
                text-anchor={rtl ? "end" : "start"}
                class="chart-value"
              >
                {`${percent(t.reached24h + t.reachedLater, t.targets)}%`}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <ul class="legend">
          {segments.map((s) => (
            <li key={s.key}>
              <span class={`swatch ${s.cls}`} aria-hidden="true" /> {s.label}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
