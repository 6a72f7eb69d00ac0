import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Resolver, Root, registerEnumType } from 'type-graphql';
import { PageArgs, createConnectionType, readPageArgs, type ResolverRoot } from '@addon-platform/platform';
import { AddonVersionAuditEntry } from '../versions/addon-version-audit.entity.js';
import { AddonVersion } from '../versions/addon-version.entity.js';
import { ReviewDecision } from '../versions/version-review.service.js';
import type { AddonsContext } from './context.js';

registerEnumType(ReviewDecision, { name: 'ReviewDecision', description: 'An operator’s verdict on a SUBMITTED version.' });

export const AddonVersionAuditEntryConnection = createConnectionType('AddonVersionAuditEntry', AddonVersionAuditEntry);

const WHY = 'Why, for the version’s audit (at most 2,000 characters).';

/** Review and publication (ADR 011): DRAFT → SUBMITTED → APPROVED | REJECTED, APPROVED → ACTIVE → SUSPENDED → ACTIVE. */
@Resolver(() => AddonVersion)
export class VersionReviewResolver {
  @Mutation(() => AddonVersion, { description: 'DRAFT → SUBMITTED, for review: by its owner or an operator.' })
  submitAddonVersion(
    @Arg('id', () => ID) id: string,
    @Arg('message', () => String, { nullable: true, description: WHY }) message: string | null,
    @Ctx() { viewer, review }: AddonsContext,
  ) {
    return review.submit(viewer, id, message);
  }

  @Mutation(() => AddonVersion, { description: 'SUBMITTED → APPROVED or REJECTED: operators only; a rejection needs a message.' })
  reviewAddonVersion(
    @Arg('id', () => ID) id: string,
    @Arg('decision', () => ReviewDecision) decision: ReviewDecision,
    @Arg('message', () => String, { nullable: true, description: WHY }) message: string | null,
    @Ctx() { viewer, review }: AddonsContext,
  ) {
    return review.review(viewer, id, decision, message);
  }

  @Mutation(() => AddonVersion, {
    description: 'APPROVED → ACTIVE: by its owner or an operator. CONFLICT when one of its ports or slots is declared by an ACTIVE version of another addon.',
  })
  publishAddonVersion(@Arg('id', () => ID) id: string, @Ctx() { viewer, review }: AddonsContext) {
    return review.publish(viewer, id);
  }

  @Mutation(() => AddonVersion, { description: 'ACTIVE → SUSPENDED: operators only, saying why; tenants no longer see it.' })
  suspendAddonVersion(@Arg('id', () => ID) id: string, @Arg('message', () => String, { description: WHY }) message: string, @Ctx() { viewer, review }: AddonsContext) {
    return review.suspend(viewer, id, message);
  }

  @Mutation(() => AddonVersion, { description: 'SUSPENDED → ACTIVE: operators only; the release rule applies as on publication.' })
  restoreAddonVersion(
    @Arg('id', () => ID) id: string,
    @Arg('message', () => String, { nullable: true, description: WHY }) message: string | null,
    @Ctx() { viewer, review }: AddonsContext,
  ) {
    return review.restore(viewer, id, message);
  }

  @FieldResolver(() => AddonVersionAuditEntryConnection, {
    description: 'Every change of its status, newest first: for its owner and operators; empty for anyone else.',
  })
  audit(@Root() version: ResolverRoot<AddonVersion>, @Args() page: PageArgs, @Ctx() { auditOfVersion }: AddonsContext) {
    return auditOfVersion(version.id, readPageArgs(page));
  }
}
