import { Migration } from '@mikro-orm/migrations';

/**
 * Signed submissions (DESIGN, "Signed submissions (Ontology)"; ADR 012): the submission log, the
 * binding of addon identities to owner DIDs per network, and the audit of identity transfers.
 */
export class Migration0005Submissions extends Migration {
  override async up(): Promise<void> {
    // Every submission through the API, accepted or refused. `repo_id` and `network` are null when the
    // refusal came before the network was known (not JSON, say); `owner_did` when no DID was readable.
    this.addSql(`
      create table addons.submission (
        id uuid primary key default gen_random_uuid(),
        network text,
        repo_id uuid,
        form text check (form in ('LEGACY', 'ENVELOPE')),
        owner_did text,
        submitter_sub text not null,
        status text not null check (status in ('ACCEPTED', 'REJECTED')),
        code text,
        reason text,
        message text,
        field text,
        content_hash text,
        nonce text,
        body text,
        body_truncated boolean not null default false,
        version_ids uuid[] not null default '{}',
        created_at timestamptz(3) not null default now(),
        check ((status = 'REJECTED') = (code is not null and reason is not null and message is not null)),
        check (status = 'REJECTED' or (network is not null and repo_id is not null and form is not null
                                       and owner_did is not null and content_hash is not null and body is not null)),
        check (length(body) <= 1048576)
      )`);
    // Listing by owner DID (public facts) and by submitter (their own refusals, and the rate limit).
    this.addSql('create index submission_owner on addons.submission (owner_did, created_at desc, id desc)');
    this.addSql('create index submission_submitter on addons.submission (submitter_sub, created_at desc, id desc)');
    this.addSql('create index submission_created on addons.submission (created_at desc, id desc)');
    // The replay rule: content accepted once for an owner is not accepted again (s and n−s share it).
    this.addSql(`create unique index submission_content on addons.submission (owner_did, content_hash) where status = 'ACCEPTED'`);
    // The envelope's nonce, once accepted, is spent. A refused envelope spends nothing: its owner may
    // send it again once the cause is gone (a rate limit, an identity transfer).
    this.addSql(`create unique index submission_nonce on addons.submission (owner_did, nonce) where status = 'ACCEPTED' and nonce is not null`);

    // Identities are compared lower-cased (`identity_key`): a domain is case-insensitive, and a claim
    // on another spelling of a bound identity must not slip past its binding.
    this.addSql(`
      create table addons.addon_identity (
        network text not null,
        identity_key text not null,
        identity text not null,
        owner_did text not null,
        addon_id uuid not null references addons.addon (id),
        bound_at timestamptz(3) not null default now(),
        primary key (network, identity_key),
        check (identity_key = lower(identity))
      )`);
    this.addSql('create index addon_identity_owner on addons.addon_identity (owner_did)');

    this.addSql(`
      create table addons.addon_identity_transfer (
        id uuid primary key default gen_random_uuid(),
        network text not null,
        identity_key text not null,
        identity text not null,
        addon_id uuid not null references addons.addon (id),
        from_owner_did text not null,
        to_owner_did text not null,
        transferred_by text not null,
        reason text not null check (length(reason) between 1 and 1000),
        created_at timestamptz(3) not null default now(),
        foreign key (network, identity_key) references addons.addon_identity (network, identity_key)
      )`);
    this.addSql('create index addon_identity_transfer_identity on addons.addon_identity_transfer (network, identity_key, created_at desc)');
  }
}
