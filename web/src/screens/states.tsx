// The states that take part (and, on request, every UN member and observer state), grouped by
// regional group, with names in the reader's language from the server.

import { useState } from "preact/hooks";
import { REGIONAL_GROUPS, type RegionalGroup } from "../api";
import { useApp } from "../app";
import { Flag, Heading, useStates } from "../components";

export function StatesScreen() {
  const { tr } = useApp();
  const states = useStates();
  const [all, setAll] = useState(false);
  const shown = states.filter((s) => all || s.participating);
  const groups: RegionalGroup[] = [...REGIONAL_GROUPS, "none"];
  return (
    <section>
      <Heading text={tr.t("states.title")} />
      <div class="field checkbox">
        <input
          id="states-all"
          type="checkbox"
          checked={all}
          onChange={(e) => setAll(e.currentTarget.checked)}
        />
        <label for="states-all">{tr.t("states.showAll")}</label>
      </div>
      <p class="muted" role="status">
        {tr.t("states.count", { count: tr.numberText(shown.length) })}
      </p>
      {groups.map((group) => {
        const members = shown.filter((s) => s.regional_group === group);
        if (members.length === 0) return null;
        return (
          <section key={group} aria-labelledby={`g-${group}`}>
            <h2 id={`g-${group}`}>{tr.t(`group.${group}` as never)}</h2>
            <ul class="state-grid">
              {members.map((s) => (
                <li key={s.alpha2}>
                  <a href={`/contacts?state=${s.alpha2}`} class="state-tile" lang={tr.lang}>
                    <Flag alpha2={s.alpha2} />
                    <span>{s.name}</span>
                    {s.un_status === "observer" && (
                      <small class="muted"> ({tr.t("states.observer")})</small>
                    )}
                    {!s.participating && (
                      <small class="muted"> · {tr.t("states.notParticipating")}</small>
                    )}
                  </a>
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </section>
  );
}
