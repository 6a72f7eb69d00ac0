import { domainError, isOperator, selectRows, type DomainError, type EntityManager, type Viewer } from '@addon-platform/platform';

/**
 * The release rule (DESIGN, "Where the ideas come from": slots and ports must not clash between
 * plugins; ADR 011). A version may become ACTIVE only when no ACTIVE version of **another** addon, in a
 * live repo, declares one of its port keys or slot keys. The same addon's other versions never clash
 * with it: an upgrade replaces them.
 *
 * Keys are computed in SQL by `addons.port_keys(ports)` and `addons.slot_keys(slots)` (migration 0004),
 * so the rule, its indexes and this check read one definition:
 * - a port is `8080`, `"8080"`, `"8080/udp"` or `{"port": 8080, "protocol": "UDP"}`; its key is
 *   `<number>/<protocol>`, the protocol TCP when absent and upper-cased, one of TCP, UDP, SCTP; the
 *   number 1 to 65535 (so `8080/TCP` and `8080/UDP` do not clash, `8080` and `{"port": 8080}` do);
 * - a slot is `"sidebar"` or `{"name": "sidebar"}`; its key is the name without surrounding white
 *   space, case-sensitive;
 * - entries of any other shape declare nothing.
 */

/**
 * Serialises every transition to ACTIVE across replicas until the transaction ends. Two publishes
 * declaring the same port, each checking before the other commits, would both see no clash under
 * READ COMMITTED and both commit; no row lock helps, because the row that would clash is not yet
 * ACTIVE. Transitions to ACTIVE are rare human actions, so one fixed key costs nothing measurable and
 * cannot deadlock with the version row lock: every holder takes the row lock first, then this.
 */
export async function lockReleaseRule(em: EntityManager): Promise<void> {
  await selectRows(em, { sql: `select pg_advisory_xact_lock(hashtextextended('addons.release-rule', 0))`, bindings: [] });
}

interface ClashRow {
  repo_name: string;
  addon_name: string;
  version: string;
  visible: boolean;
  ports: string[];
  slots: string[];
}

/**
 * The release rule's refusal for the version `versionId` of addon `addonId`, or null when it clashes
 * with nothing. Call it after {@link lockReleaseRule}, in the transaction that activates the version.
 * The other addon is named when the viewer may see its repo; otherwise the message says that an
 * addon the viewer cannot see holds the port or slot, so hidden repos stay hidden.
 */
export async function findReleaseClash(em: EntityManager, viewer: Viewer, addonId: string, versionId: string): Promise<DomainError | null> {
  const [own] = await selectRows<{ version: string; ports: string[]; slots: string[] }>(em, {
    sql: 'select version, addons.port_keys(ports) as ports, addons.slot_keys(slots) as slots from addons.addon_version where id = ?',
    bindings: [versionId],
  });
  if (!own || (own.ports.length === 0 && own.slots.length === 0)) return null;
  // `&&` on the key arrays, among ACTIVE versions only: the partial GIN indexes of migration 0004.
  const [clash] = await selectRows<ClashRow>(em, {
    sql: `select s.name as repo_name, a.name as addon_name, o.version,
                 a.repo_id in (select repos.visible_repo_ids(?, ?)) as visible,
                 array(select unnest(addons.port_keys(o.ports)) intersect select unnest(?::text[]) order by 1) as ports,
                 array(select unnest(addons.slot_keys(o.slots)) intersect select unnest(?::text[]) order by 1) as slots
            from addons.addon_version o
            join addons.addon a on a.id = o.addon_id
            join repos.repo_source s on s.repo_id = a.repo_id
           where o.status = 'ACTIVE' and o.addon_id <> ?
             and (addons.port_keys(o.ports) && ?::text[] or addons.slot_keys(o.slots) && ?::text[])
           order by s.name, a.name, o.sort_key desc
           limit 1`,
    bindings: [viewer.sub ?? null, isOperator(viewer), own.ports, own.slots, addonId, own.ports, own.slots],
  });
  if (!clash) return null;
  const held = [...clash.ports.map((port) => `port ${port}`), ...clash.slots.map((slot) => `slot ${slot}`)].join(' and ');
  const other = clash.visible ? `ACTIVE addon ${clash.repo_name}/${clash.addon_name} (version ${clash.version})` : 'an ACTIVE addon in a repo you cannot see';
  return domainError(
    'CONFLICT',
    `Version ${own.version} declares ${held}, which ${other} already declares: ports and slots must not clash between ACTIVE addons. ` +
      (clash.visible ? `Suspend that version first, or change this one's ${clash.ports.length > 0 ? 'ports' : 'slots'}.` : 'An operator can tell you which addon holds it.'),
    {
      clash: {
        addon: clash.visible ? `${clash.repo_name}/${clash.addon_name}` : null,
        version: clash.visible ? clash.version : null,
        ports: clash.ports,
        slots: clash.slots,
      },
    },
  );
}
