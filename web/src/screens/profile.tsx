import { useApp } from "../app";
import { Heading, StateLabel, useStates } from "../components";
import { TokensSection } from "./tokens";

export function ProfileScreen() {
  const { tr, me } = useApp();
  const states = useStates();
  if (!me) return null;
  const { account, organization } = me;
  return (
    <section>
      <Heading text={tr.t("profile.title")} />
      <div class="grid-2">
        <section class="card" aria-labelledby="profile-account">
          <h2 id="profile-account">{tr.t("profile.account")}</h2>
          <dl class="pairs">
            <dt>{tr.t("profile.name")}</dt>
            <dd>{account.display_name}</dd>
            <dt>{tr.t("profile.email")}</dt>
            <dd>{account.email}</dd>
            <dt>{tr.t("profile.roles")}</dt>
            <dd>{tr.listText(account.roles.map((r) => tr.t(`role.${r}` as never)))}</dd>
            <dt>{tr.t("profile.timeZone")}</dt>
            <dd>{account.time_zone || "UTC"}</dd>
          </dl>
        </section>
        <section class="card" aria-labelledby="profile-org">
          <h2 id="profile-org">{tr.t("profile.organization")}</h2>
          <dl class="pairs">
            <dt>{tr.t("profile.name")}</dt>
            <dd>{organization.name}</dd>
            <dt>{tr.t("profile.category")}</dt>
            <dd>{tr.t(`category.${organization.category}` as never)}</dd>
            <dt>{tr.t("profile.kind")}</dt>
            <dd>{tr.t(`kind.${organization.kind}` as never)}</dd>
            <dt>{tr.t("profile.state")}</dt>
            <dd>
              <StateLabel alpha2={organization.state} states={states} />
            </dd>
          </dl>
          {organization.state && (
            <p>
              <a href={`/contacts?state=${encodeURIComponent(organization.state)}`}>
                {tr.t("profile.ownContacts")}
              </a>
            </p>
          )}
        </section>
      </div>
      <TokensSection />
    </section>
  );
}
