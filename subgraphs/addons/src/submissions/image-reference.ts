/**
 * Whether a submitted image can be pulled by a cluster. DESIGN: an image reference that cannot be
 * pulled (a web URL, say) is kept, and the version says why it is not launchable. The grammar is the
 * distribution project's reference grammar (`[host[:port]/]path[:tag][@digest]`), lower-case paths,
 * as container runtimes apply it; anything else is named in a sentence a person can act on.
 */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const HOST = '(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\\d{1,5})?/)';
const REFERENCE = new RegExp(`^${HOST}?${COMPONENT}(?:/${COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`);

/** Null when `image` is a pullable reference, else why it is not. */
export function whyNotPullable(image: string, field: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(image)) {
    return `${field} ${JSON.stringify(image)} is a web address, not an image reference a cluster can pull (such as registry.example.com/team/addon:1.0).`;
  }
  if (image.length > 512 || !REFERENCE.test(image)) {
    return `${field} ${JSON.stringify(image.slice(0, 120))} is not an image reference a cluster can pull (such as registry.example.com/team/addon:1.0).`;
  }
  return null;
}

/** Why a version whose config service is running is not launchable until that service has answered. */
const CONFIG_SCHEMA_PENDING = 'Its config service has not served its config schema yet; AddonVersion.configService shows how it is going.';

/**
 * What a submitted version can launch, and why not when it cannot. A pullable config image gets a
 * config service, and launches wait for the schema it serves (`configSchemaRead`): configs are checked
 * against it.
 */
export function launchabilityOf(
  configImage: string | null,
  runtimeImage: string | null,
  configSchemaRead: boolean,
): { launchable: boolean; notLaunchableReason: string | null; configServiceImage: string | null } {
  const configProblem = configImage === null ? null : whyNotPullable(configImage, 'configImage');
  const runtimeProblem = runtimeImage === null ? 'It names no runtimeImage, so it has nothing to launch; submit a new version that names one.' : whyNotPullable(runtimeImage, 'runtimeImage');
  // Only a pullable config image gets a config service: the runtimes subgraph could not start the other.
  const configServiceImage = configImage !== null && configProblem === null ? configImage : null;
  const schemaProblem = configServiceImage !== null && !configSchemaRead ? CONFIG_SCHEMA_PENDING : null;
  const problems = [runtimeProblem, configProblem, schemaProblem].filter((problem): problem is string => problem !== null);
  return {
    launchable: problems.length === 0,
    notLaunchableReason: problems.length === 0 ? null : problems.join(' '),
    configServiceImage,
  };
}
