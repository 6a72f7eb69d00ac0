import { launchConfigServiceCommand, versionActivatedCommand, type JobCommand } from '@addon-platform/platform';
import { waitFor } from '@addon-platform/platform/testing';
import { newAddonVersion } from '../../../../test/helpers/factories.js';
import { INSTANCE_FIELDS, startLaunchBed, type LaunchBed } from './launch-bed.js';

/**
 * What the platform launches on its own: config services (their schema read through the API server's
 * service proxy and handed to the catalog) and automatic upgrades.
 */
let bed: LaunchBed;
let acme: string;
beforeAll(async () => {
  bed = await startLaunchBed();
  acme = await bed.tenantToken('acme');
});
afterAll(async () => {
  await bed?.stop();
});

const send = (command: JobCommand<object>) => bed.platform.subgraphs.runtimes.jobs.enqueue(command.task, command.payload, command.options);
const VERSION = `query ($id: ID!) { addonVersion(id: $id) { launchable notLaunchableReason configSchema configService { state message reason instance { kind status } } } }`;

describe('config services', () => {
  it("launches the config image in the platform's environment, reads GET /config through the service proxy, and the version becomes launchable", async () => {
    const { addonId } = await bed.newVersion();
    const configImage = 'registry.example.com/config-service:1.0.0';
    const schema = { type: 'object', properties: { mode: { enum: ['fast', 'safe'] } }, required: ['mode'] };
    bed.cluster.proxyHandler(configImage, (request) => (request.path === '/config' ? { body: schema } : { status: 404, body: 'not found' }));
    const version = await newAddonVersion(bed.platform.subgraphs.addons, {
      addonId,
      version: '3.0.0',
      configImage,
      runtimeImage: 'registry.example.com/runtime:3.0.0',
      launchable: false,
      notLaunchableReason: 'Its config service has not served its config schema yet.',
    });
    await send(launchConfigServiceCommand(version.id));

    const ready = await waitFor(async () => {
      const result = await bed.gql(VERSION, { id: version.id }, bed.operator);
      const node = result.data?.addonVersion;
      return node?.launchable ? node : null;
    }, { timeoutMs: 20_000, description: 'the version to become launchable' });
    expect(ready).toMatchObject({ launchable: true, configSchema: schema, configService: { state: 'SCHEMA_READ', instance: { kind: 'CONFIG_SERVICE', status: 'RUNNING' } } });

    // Tenants see how it went, not the platform's instance.
    const asTenant = await bed.gql(VERSION, { id: version.id }, acme);
    expect(asTenant.data!.addonVersion.configService).toMatchObject({ state: 'SCHEMA_READ', instance: null });
    const list = await bed.gql(`{ runtimeInstances(first: 100) { edges { node { kind } } } }`, {}, acme);
    expect(list.data!.runtimeInstances.edges.map((edge: any) => edge.node.kind)).not.toContain('CONFIG_SERVICE');

    // The schema now checks launches.
    const refused = await bed.gql(
      `mutation ($input: LaunchRuntimeInput!) { launchRuntime(input: $input) { id } }`,
      { input: { versionId: version.id, environmentId: bed.environmentId, name: 'needs-mode', config: {} } },
      acme,
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'config.mode' }] });
  });

  it('shows a config service that does not start, or answers nothing usable, on the version', async () => {
    const { addonId } = await bed.newVersion();
    const broken = 'registry.example.com/config-broken:1.0.0';
    const silent = 'registry.example.com/config-silent:1.0.0';
    bed.cluster.script(broken, { kind: 'imagePullFailure' });
    bed.cluster.proxyHandler(silent, () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'hello' }));
    const versions: string[] = [];
    for (const [index, configImage] of [broken, silent].entries()) {
      const version = await newAddonVersion(bed.platform.subgraphs.addons, { addonId, version: `4.0.${index}`, configImage, runtimeImage: 'registry.example.com/runtime:4', launchable: false, notLaunchableReason: 'waiting' });
      await send(launchConfigServiceCommand(version.id));
      versions.push(version.id);
    }
    const states = await waitFor(async () => {
      const answers = await Promise.all(versions.map((id) => bed.gql(VERSION, { id }, bed.operator)));
      const services = answers.map((answer) => answer.data?.addonVersion?.configService);
      return services.every((service) => service?.state === 'FAILED') ? services : null;
    }, { timeoutMs: 20_000, description: 'both config services to fail' });
    expect(states[0]).toMatchObject({ state: 'FAILED', reason: 'IMAGE_PULL_FAILED' });
    expect(states[1]).toMatchObject({ state: 'FAILED', reason: 'CONFIG_UNREADABLE' });
    for (const id of versions) {
      expect((await bed.gql(VERSION, { id }, bed.operator)).data!.addonVersion.launchable).toBe(false);
    }
  });
});

describe('automatic upgrades', () => {
  it('rolls AUTOMATIC instances on an older version to a newly active one, and leaves MANUAL ones', async () => {
    const v1 = await bed.newVersion({ version: '1.0.0' });
    const launch = async (name: string, upgradePolicy: string) => {
      const result = await bed.gql(
        `mutation ($input: LaunchRuntimeInput!) { launchRuntime(input: $input) { id } }`,
        { input: { versionId: v1.versionId, environmentId: bed.environmentId, name, upgradePolicy } },
        acme,
      );
      expect(result.errors).toBeUndefined();
      await bed.settled(result.data!.launchRuntime.id, acme);
      return result.data!.launchRuntime.id as string;
    };
    const automatic = await launch('follows-releases', 'AUTOMATIC');
    const manual = await launch('stays-put', 'MANUAL');
    const v2 = await bed.newVersion({ addonId: v1.addonId, version: '1.1.0' });
    const old = await bed.newVersion({ addonId: v1.addonId, version: '0.9.0' });

    await send(versionActivatedCommand(v1.addonId, old.versionId));
    await send(versionActivatedCommand(v1.addonId, v2.versionId));
    await waitFor(async () => {
      const instance = await bed.settled(automatic, acme);
      return instance.version.id === v2.versionId && instance.status === 'RUNNING';
    }, { timeoutMs: 20_000, description: 'the AUTOMATIC instance to run 1.1.0' });
    const events = await bed.events(automatic);
    expect(events.filter((event) => event.operation === 'UPGRADE').map((event) => event.phase)).toEqual(['QUEUED', 'SCHEDULING', 'PULLING_IMAGE', 'STARTING', 'READY']);
    const manualNow = await bed.gql(`query ($id: ID!) { runtimeInstance(id: $id) { ${INSTANCE_FIELDS} } }`, { id: manual }, acme);
    expect(manualNow.data!.runtimeInstance.version.id).toBe(v1.versionId);
    expect((await bed.events(manual)).every((event) => event.operation === 'LAUNCH')).toBe(true);
  });
});
