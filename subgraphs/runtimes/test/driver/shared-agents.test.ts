import { Agent as HttpsAgent } from 'node:https';
import { buildInstanceObjects } from '../../src/driver/index.js';
import { SharedAgents, sharedAgentsOf } from '../../src/driver/shared-agents.js';
import { instanceSpec, launch, startDriverCluster } from './helpers.js';

/** client-node gives every request a fresh agent; the driver shares one keep-alive agent per TLS identity. */
describe('connections to an API server', () => {
  it('are reused across requests: one agent, a handful of sockets for a whole launch', async () => {
    const cluster = await startDriverCluster();
    try {
      const spec = instanceSpec();
      await cluster.driver.apply(buildInstanceObjects(spec));
      await cluster.driver.apply(buildInstanceObjects(spec));
      await launch(cluster, spec);
      const requests = cluster.server.requests.length;
      const agents = (sharedAgentsOf(cluster.kubeConfig) as unknown as { agents: Map<string, HttpsAgent> }).agents;
      expect(agents.size).toBe(1);
      const [agent] = [...agents.values()];
      const sockets = [...Object.values(agent!.sockets), ...Object.values(agent!.freeSockets)].flat().length;
      // Watches hold their own connection while open; everything else takes turns on kept-alive ones.
      expect(requests).toBeGreaterThan(15);
      expect(sockets).toBeLessThanOrEqual(4);
    } finally {
      await cluster.server.stop();
    }
  });

  it('are shared only between requests of the same TLS identity', () => {
    const agents = new SharedAgents();
    const a = agents.reuse(new HttpsAgent({ ca: 'ca-one', servername: 'api' }));
    expect(agents.reuse(new HttpsAgent({ ca: 'ca-one', servername: 'api' }))).toBe(a);
    expect(agents.reuse(new HttpsAgent({ ca: 'ca-two', servername: 'api' }))).not.toBe(a);
    expect(agents.reuse(new HttpsAgent({ ca: 'ca-one', servername: 'api', cert: 'client', key: 'key' }))).not.toBe(a);
    expect((a as HttpsAgent).options).toMatchObject({ keepAlive: true, ca: 'ca-one' });
    // Anything but a plain agent (a proxy agent, none) is left as it is.
    class ProxyAgent extends HttpsAgent {}
    const proxy = new ProxyAgent();
    expect(agents.reuse(proxy)).toBe(proxy);
    expect(agents.reuse(undefined)).toBeUndefined();
  });
});
