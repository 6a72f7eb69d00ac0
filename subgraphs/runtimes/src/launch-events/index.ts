export {
  LAUNCH_EVENTS_CHANNEL,
  MAX_MESSAGE_LENGTH,
  readInstanceChanges,
  readLaunchEvents,
  launchEventStatement,
  recordLaunchEvent,
  type InstanceChangeRecord,
  type LaunchEventInput,
  type LaunchEventRecord,
  type LaunchNotice,
} from './launch-event-log.js';
export { createLaunchNoticeSender, startLaunchNotices } from './launch-notices.js';
export { HUB_APPLICATION_NAME, LaunchEventHub, type LaunchEventHubOptions } from './launch-event-hub.js';
export { LaunchEventService, readSequenceCursor } from './launch-event.service.js';
