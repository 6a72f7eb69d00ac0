export { Submission, SubmissionForm, SubmissionStatus } from './submission.entity.js';
export { AddonIdentityTransfer } from './addon-identity-transfer.entity.js';
export { SubmissionService, type SubmissionFilter, type SubmitAddonsInput, type TransferAddonIdentityInput } from './submission.service.js';
export { decideSubmission, inSavepoint, noFacts, readReceived, type Decision, type SubmissionRules } from './submission-rules.js';
export { checkActivation, type NetworkRepo, type Sender } from './accepted-addons.js';
