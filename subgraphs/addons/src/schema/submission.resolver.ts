import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PageArgs, createConnectionType, isOperator, readPageArgs, type ResolverRoot } from '@addon-platform/platform';
import { Addon } from '../addons/addon.entity.js';
import { AddonIdentityTransfer } from '../submissions/addon-identity-transfer.entity.js';
import { Submission } from '../submissions/submission.entity.js';
import { AddonVersion } from '../versions/addon-version.entity.js';
import type { AddonsContext } from './context.js';
import { RepoReference } from './repo.reference.js';
import { SubmissionFilterInput } from './submission.input.js';

export const SubmissionConnection = createConnectionType('Submission', Submission);

@Resolver(() => Submission)
export class SubmissionResolver {
  @Mutation(() => Submission, {
    description:
      'Submits signed Ontology addons (roles developer or operator). `submission` is the signed JSON, as an object or as its text: the legacy form {owner, meta?, addons, sig} with `network` naming its network, or the envelope {owner, meta?, addons, network, nonce, expiry, sig}, which signs its own. Answers the ACCEPTED submission; a refusal is recorded and answered as an error whose extensions carry code, reason and submissionId.',
  })
  submitAddons(
    @Arg('submission', () => GraphQLJSON) submission: unknown,
    @Arg('network', () => String, { nullable: true, description: 'The network of a legacy submission (testnet, mainnet); an envelope names its own.' }) network: string | null,
    @Ctx() { viewer, submissions }: AddonsContext,
  ) {
    return submissions.submitAddons(viewer, { submission, network });
  }

  @Query(() => SubmissionConnection, {
    description: "Submissions newest first: ACCEPTED ones to whoever may see their network's repo, REJECTED ones to their submitter and operators.",
  })
  submissions(
    @Arg('filter', () => SubmissionFilterInput, { nullable: true }) filter: SubmissionFilterInput | null,
    @Args() page: PageArgs,
    @Ctx() { viewer, submissions }: AddonsContext,
  ) {
    return submissions.listSubmissions(viewer, filter ?? {}, readPageArgs(page));
  }

  @Mutation(() => AddonIdentityTransfer, {
    description: 'Operators: binds an addon identity (domain or name) of a network to another owner DID, whose submissions it then accepts; audited.',
  })
  transferAddonIdentity(
    @Arg('network') network: string,
    @Arg('identity') identity: string,
    @Arg('newOwnerDid') newOwnerDid: string,
    @Arg('reason', { description: 'Why; kept in the audit row.' }) reason: string,
    @Ctx() { viewer, submissions }: AddonsContext,
  ) {
    return submissions.transferAddonIdentity(viewer, { network, identity, newOwnerDid, reason });
  }

  @FieldResolver(() => RepoReference, { nullable: true, description: "The network's built-in repo; null when refused before the network was known." })
  repo(@Root() submission: ResolverRoot<Submission>): RepoReference | null {
    return submission.repoId ? { id: submission.repoId } : null;
  }

  @FieldResolver(() => [AddonVersion], { description: 'The versions it created, in entry order, as far as the viewer may see them.' })
  async versions(@Root() submission: ResolverRoot<Submission>, @Ctx() { versionLoader }: AddonsContext) {
    const versions = await versionLoader.loadMany(submission.versionIds);
    return versions.filter((version): version is AddonVersion => version !== null && !(version instanceof Error));
  }

  @FieldResolver(() => String, { nullable: true, description: 'The user (sub) who sent it; shown to that user and to operators only.' })
  submittedBy(@Root() submission: ResolverRoot<Submission>, @Ctx() { viewer }: AddonsContext): string | null {
    return isOperator(viewer) || submission.submitterSub === viewer.sub ? submission.submitterSub : null;
  }
}

@Resolver(() => AddonIdentityTransfer)
export class AddonIdentityTransferResolver {
  @FieldResolver(() => Addon, { nullable: true })
  addon(@Root() transfer: ResolverRoot<AddonIdentityTransfer>, @Ctx() { addonLoader }: AddonsContext) {
    return addonLoader.load(transfer.addonId);
  }
}
