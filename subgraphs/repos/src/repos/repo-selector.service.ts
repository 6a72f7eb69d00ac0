import { domainError, isOperator, requireRole, type EntityManager, type Viewer } from '@addon-platform/platform';
import type { RepoLabel } from './repo.entity.js';
import { readLabels, type LabelInput } from './repo-fields.js';
import { UserRepoSelector } from './user-repo-selector.entity.js';

const MAX_USER_ID = 256;

/**
 * A user's repo selectors: the labels of SELECTED repos it may see. Operators set them for anyone; a
 * user may read its own.
 */
export class RepoSelectorService {
  constructor(private readonly em: EntityManager) {}

  async getSelectors(viewer: Viewer, userId: string): Promise<RepoLabel[]> {
    requireRole(viewer, 'tenant', 'developer');
    readUserId(userId);
    if (viewer.sub !== userId && !isOperator(viewer)) {
      throw domainError('FORBIDDEN', "Only operators read another user's repo selectors.", { field: 'userId' });
    }
    const rows = await this.em.find(UserRepoSelector, { userSub: userId }, { orderBy: { position: 'asc' } });
    return rows.map(({ key, value }) => ({ key, value }));
  }

  /** Replaces the user's selectors with `selectors`, in that order. */
  async setSelectors(viewer: Viewer, userId: string, selectors: LabelInput[]): Promise<RepoLabel[]> {
    requireRole(viewer, 'operator');
    readUserId(userId);
    const labels = readLabels(selectors, 'selectors');
    await this.em.transactional(async (em) => {
      await em.nativeDelete(UserRepoSelector, { userSub: userId });
      labels.forEach(({ key, value }, position) => em.create(UserRepoSelector, { userSub: userId, position, key, value }));
    });
    return labels;
  }
}

function readUserId(userId: string): void {
  if (userId === '' || userId.length > MAX_USER_ID) {
    throw domainError('BAD_USER_INPUT', `userId is a user's sub: 1 to ${MAX_USER_ID} characters.`, { field: 'userId' });
  }
}
