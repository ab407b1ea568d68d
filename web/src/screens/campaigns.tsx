// Reachability campaigns: the ones the reader may see, and the form to start one (operators for
// any scope; a state's policy accounts for their own state).

import { useState } from "preact/hooks";
import {
  api,
  REGIONAL_GROUPS,
  type Campaign,
  type CampaignLevel,
  type Page,
  type RegionalGroup,
} from "../api";
import { isOperator, useApp } from "../app";
import { ErrorNote, Field, Heading, StateLabel, Time, useLoad, useStates } from "../components";
import { daysFrom, fromLocalInput, toLocalInput } from "../format";
import { navigate } from "../router";

export function CampaignsScreen() {
  const { tr, me } = useApp();
  const states = useStates();
  const { data, error } = useLoad(() => api.get<Page<Campaign>>("/pings", { limit: 100 }), []);
  const operator = isOperator(me);
  const policyOfState = !!me?.organization.state && !!me?.account.roles.includes("policy");
  return (
    <section>
      <Heading text={tr.t("campaigns.title")} />
      <p>{tr.t("campaigns.intro")}</p>
      {(operator || policyOfState) && <StartForm operator={operator} />}
      <h2>{tr.t("campaigns.list")}</h2>
      <ErrorNote error={error} />
      {data && data.body.items.length === 0 && <p>{tr.t("campaigns.none")}</p>}
      {data && data.body.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">{tr.t("campaigns.list")}</caption>
            <thead>
              <tr>
                <th scope="col">{tr.t("campaign.started")}</th>
                <th scope="col">{tr.t("campaign.scope")}</th>
                <th scope="col">{tr.t("campaign.level")}</th>
                <th scope="col">{tr.t("campaign.deadline")}</th>
                <th scope="col">{tr.t("campaign.answers")}</th>
              </tr>
            </thead>
            <tbody>
              {data.body.items.map((c) => (
                <tr key={c.id}>
                  <td>
                    <a href={`/campaigns/${encodeURIComponent(c.id)}`}>
                      <Time iso={c.created_at} />
                    </a>
                  </td>
                  <td>
                    <ScopeText campaign={c} states={states} />
                  </td>
                  <td>{tr.t(`campaignLevel.${c.level}` as never)}</td>
                  <td>
                    <Time iso={c.deadline} />
                    {c.closed_at && <span class="badge"> {tr.t("campaign.closed")}</span>}
                  </td>
                  <td>
                    {tr.t("campaign.answered", {
                      acknowledged: tr.numberText(c.acknowledged),
                      targets: tr.numberText(c.targets),
                    })}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function ScopeText({
  campaign,
  states,
}: {
  campaign: Campaign;
  states: ReturnType<typeof useStates>;
}) {
  const { tr } = useApp();
  if (campaign.scope === "all") return <span>{tr.t("scope.all")}</span>;
  if (campaign.scope === "group" && campaign.group) {
    return <span>{tr.t(`group.${campaign.group}` as never)}</span>;
  }
  return (
    <span>
      {campaign.states.map((s, i) => (
        <span key={s}>
          {i > 0 && tr.t("common.listSeparator")}
          <StateLabel alpha2={s} states={states} />
        </span>
      ))}
    </span>
  );
}

function StartForm({ operator }: { operator: boolean }) {
  const { tr, me } = useApp();
  const states = useStates();
  const ownState = me?.organization.state || "";
  const [scope, setScope] = useState<"all" | "group" | "states">(operator ? "all" : "states");
  const [group, setGroup] = useState<RegionalGroup>("african");
  const [picked, setPicked] = useState<string[]>(ownState ? [ownState] : []);
  const [level, setLevel] = useState<CampaignLevel>("policy");
  const [deadline, setDeadline] = useState(toLocalInput(daysFrom(new Date(), 7)));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const participating = states.filter((s) => s.participating);

  async function start(event: Event) {
    event.preventDefault();
    const when = fromLocalInput(deadline);
    if (!when) {
      setError(new Error("deadline"));
      return;
    }
    setBusy(true);
    setError(null);
    const body: Record<string, unknown> = { scope, level, deadline: when };
    if (scope === "group") body.group = group;
    if (scope === "states") body.states = operator ? picked : [ownState];
    try {
      const reply = await api.post<Campaign>("/pings", body);
      navigate(`/campaigns/${encodeURIComponent(reply.body.id)}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card stack" onSubmit={start} aria-labelledby="start-heading">
      <h2 id="start-heading">{tr.t("campaigns.start")}</h2>
      {!operator && <p class="hint">{tr.t("campaigns.ownStateOnly")}</p>}
      {operator && (
        <fieldset>
          <legend>{tr.t("campaign.scope")}</legend>
          {(["all", "group", "states"] as const).map((value) => (
            <div class="field checkbox" key={value}>
              <input
                type="radio"
                id={`scope-${value}`}
                name="scope"
                value={value}
                checked={scope === value}
                onChange={() => setScope(value)}
              />
              <label for={`scope-${value}`}>{tr.t(`scope.${value}` as never)}</label>
            </div>
          ))}
        </fieldset>
      )}
      {operator && scope === "group" && (
        <Field id="start-group" label={tr.t("contacts.group")}>
          <select
            id="start-group"
            value={group}
            onChange={(e) => setGroup(e.currentTarget.value as RegionalGroup)}
          >
            {REGIONAL_GROUPS.map((g) => (
              <option key={g} value={g}>
                {tr.t(`group.${g}` as never)}
              </option>
            ))}
          </select>
        </Field>
      )}
      {operator && scope === "states" && (
        <Field id="start-states" label={tr.t("campaign.states")} hint={tr.t("campaign.statesHint")}>
          <select
            id="start-states"
            multiple
            size={8}
            aria-describedby="start-states-hint"
            onChange={(e) =>
              setPicked(Array.from(e.currentTarget.selectedOptions).map((o) => o.value))
            }
          >
            {participating.map((s) => (
              <option key={s.alpha2} value={s.alpha2} selected={picked.includes(s.alpha2)}>
                {s.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      {!operator && (
        <p>
          {tr.t("campaign.states")}: <StateLabel alpha2={ownState} states={states} />
        </p>
      )}
      <Field id="start-level" label={tr.t("campaign.level")}>
        <select
          id="start-level"
          value={level}
          onChange={(e) => setLevel(e.currentTarget.value as CampaignLevel)}
        >
          {(["policy", "technical", "both"] as const).map((value) => (
            <option key={value} value={value}>
              {tr.t(`campaignLevel.${value}` as never)}
            </option>
          ))}
        </select>
      </Field>
      <Field
        id="start-deadline"
        label={tr.t("campaign.deadline")}
        hint={tr.t("campaign.deadlineHint")}
      >
        <input
          id="start-deadline"
          type="datetime-local"
          required
          value={deadline}
          aria-describedby="start-deadline-hint"
          onInput={(e) => setDeadline(e.currentTarget.value)}
        />
      </Field>
      <ErrorNote error={error} />
      <div>
        <button type="submit" disabled={busy}>
          {tr.t("campaigns.startButton")}
        </button>
      </div>
    </form>
  );
}
