import { Field, InputType } from 'type-graphql';
import { SubmissionStatus } from '../submissions/submission.entity.js';

@InputType({ description: 'Submissions matching every given condition.' })
export class SubmissionFilterInput {
  @Field(() => String, { nullable: true, description: 'The owner DID, did:ont:…' })
  ownerDid?: string | null;

  @Field(() => String, { nullable: true, description: 'testnet or mainnet.' })
  network?: string | null;

  @Field(() => SubmissionStatus, { nullable: true })
  status?: SubmissionStatus | null;
}
