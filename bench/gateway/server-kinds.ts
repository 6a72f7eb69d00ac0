/** The servers the bench runs, each in its own process pinned to the servers' CPU. */
export const SERVER_KINDS = ['repos', 'addons', 'runtimes', 'gateway', 'hive'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** What a server process tells the bench over IPC once it has started, or failed to. */
export type ServerMessage = { type: 'ready'; graphqlUrl: string } | { type: 'failed'; message: string };
