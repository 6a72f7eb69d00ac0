import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** Below the keep-alive timeout of a Node server (5 s), like the gateway's subgraph connections (ADR 004). */
const IDLE_SOCKET_MS = 4_000;

/**
 * client-node 1.4 gives every request a new `https.Agent` (`KubeConfig.createAgent`), so every call to
 * the API server opened a new TLS connection: in bench:launch the handshakes were about 15 % of the
 * runtimes' CPU per launch. Requests of one TLS identity (CA, client certificate, server name) share
 * one keep-alive agent instead. The credentials that change per request (a token, an exec plugin's
 * output) travel in headers, not on the agent, so sharing it changes nothing they decide.
 */
export class SharedAgents {
  private readonly agents = new Map<string, http.Agent>();

  reuse<A>(given: A): A | http.Agent {
    const agent: unknown = given;
    // Only the plain agents client-node builds for a kubeconfig without a proxy (the only kind ADR 014 accepts).
    if (!(agent instanceof http.Agent) || (agent.constructor !== https.Agent && agent.constructor !== http.Agent)) return given;
    const isHttps = agent.constructor === https.Agent;
    const options = (agent as https.Agent).options;
    const key = createHash('sha256')
      .update(JSON.stringify([isHttps, options.ca, options.cert, options.key, options.pfx, options.passphrase, options.servername, options.rejectUnauthorized]))
      .digest('hex');
    let shared = this.agents.get(key);
    if (!shared) {
      const keepAlive = { ...options, keepAlive: true, timeout: IDLE_SOCKET_MS };
      shared = isHttps ? new https.Agent(keepAlive) : new http.Agent(keepAlive);
      this.agents.set(key, shared);
    }
    return shared;
  }
}

const byKubeConfig = new WeakMap<KubeConfig, SharedAgents>();

/** The agents of one kubeconfig: every request made with it, generated client or raw, shares them. */
export function sharedAgentsOf(kubeConfig: KubeConfig): SharedAgents {
  let agents = byKubeConfig.get(kubeConfig);
  if (!agents) {
    agents = new SharedAgents();
    byKubeConfig.set(kubeConfig, agents);
  }
  return agents;
}
