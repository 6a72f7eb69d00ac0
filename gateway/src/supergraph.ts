import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { SupergraphSdlHook } from '@apollo/gateway';
import { Kind, parse, valueFromASTUntyped } from 'graphql';
import type { Logger } from '@addon-platform/platform';

export interface SubgraphEndpoint {
  name: string;
  url: string;
}

/** Where to reach a subgraph: its `SUBGRAPH_URL_<NAME>` override, else the URL the supergraph declares. */
export function resolveSubgraphUrl(name: string, declaredUrl: string, overrides: Record<string, string>): string {
  return overrides[name.toLowerCase()] ?? declaredUrl;
}

/** The subgraphs a supergraph names (`join__Graph`), with configured URL overrides applied. */
export function readSubgraphEndpoints(supergraphSdl: string, overrides: Record<string, string>): SubgraphEndpoint[] {
  const joinGraph = parse(supergraphSdl).definitions.find(
    (definition) => definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === 'join__Graph',
  );
  if (!joinGraph || joinGraph.kind !== Kind.ENUM_TYPE_DEFINITION) throw new Error('The supergraph has no join__Graph enum; is it composed?');
  return (joinGraph.values ?? []).map((value) => {
    const args = value.directives?.find((directive) => directive.name.value === 'join__graph')?.arguments ?? [];
    const arg = (name: string) => valueFromASTUntyped(args.find((argument) => argument.name.value === name)!.value) as string;
    const name = arg('name');
    return { name, url: resolveSubgraphUrl(name, arg('url'), overrides) };
  });
}

export interface SupergraphSource {
  /** Hook for ApolloGateway's `supergraphSdl`. */
  hook: SupergraphSdlHook;
  /** Re-reads the file and hands it to the gateway; a broken file is logged and the old one kept. */
  reload(): Promise<void>;
  current(): string;
}

/**
 * Serves the supergraph from a file, re-read when the file changes (the folder is watched, since
 * editors and `npm run schema` replace files rather than write in place) and on `reload()`.
 */
export function createFileSupergraphSource(options: { path: string; logger: Logger; debounceMs?: number }): SupergraphSource {
  const { logger, debounceMs = 100 } = options;
  const path = resolve(options.path);
  let sdl = '';
  let update: ((sdl: string) => void) | undefined;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function reload(): Promise<void> {
    const next = await readFile(path, 'utf8').catch((error: unknown) => {
      logger.error({ err: error, path }, 'cannot read the supergraph; keeping the current one');
      return undefined;
    });
    if (next === undefined || next === sdl || !update) return;
    try {
      update(next);
      sdl = next;
      logger.info({ path }, 'supergraph reloaded');
    } catch (error) {
      logger.error({ err: error, path }, 'the new supergraph is invalid; keeping the current one');
    }
  }

  const hook: SupergraphSdlHook = async ({ update: apply }) => {
    sdl = await readFile(path, 'utf8');
    update = apply;
    watcher = watch(dirname(path), (_event, file) => {
      if (file !== basename(path)) return;
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), debounceMs);
    });
    return {
      supergraphSdl: sdl,
      async cleanup() {
        clearTimeout(timer);
        watcher?.close();
      },
    };
  };

  return { hook, reload, current: () => sdl };
}
