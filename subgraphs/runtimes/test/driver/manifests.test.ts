import { buildInstanceObjects, CONFIG_HASH_ANNOTATION } from '../../src/driver/index.js';
import { instanceSpec } from './helpers.js';

describe('the objects of one instance', () => {
  const labels = { 'app.kubernetes.io/managed-by': 'addon-platform', 'addon-platform.io/instance': 'i-1', 'addon-platform.io/kind': 'tenant' };

  it('builds a Secret with the config, a Deployment mounting it read-only, and a ClusterIP Service, all labelled', () => {
    const { namespace, secret, deployment, service } = buildInstanceObjects(instanceSpec());
    expect(namespace).toBe('tenant-acme');
    expect(secret.metadata).toMatchObject({ name: 'weather-i-1-config', namespace: 'tenant-acme', labels });
    expect(JSON.parse(Buffer.from(secret.data!['config.json']!, 'base64').toString())).toEqual({ city: 'Oslo' });
    expect(deployment.metadata).toMatchObject({ name: 'weather-i-1', labels });
    expect(deployment.spec).toMatchObject({ replicas: 1, progressDeadlineSeconds: 300, selector: { matchLabels: { 'addon-platform.io/instance': 'i-1' } } });
    expect(deployment.spec!.template.metadata!.labels).toEqual(labels);
    const [container] = deployment.spec!.template.spec!.containers;
    expect(container).toMatchObject({ image: 'registry.example/weather:1.0.0', ports: [{ containerPort: 8080 }], env: [{ name: 'ADDON_CONFIG_FILE', value: '/etc/addon-platform/config.json' }] });
    expect(container!.volumeMounts).toEqual([{ name: 'config', mountPath: '/etc/addon-platform', readOnly: true }]);
    expect(deployment.spec!.template.spec!.volumes![0]!.secret).toMatchObject({ secretName: 'weather-i-1-config', items: [{ key: 'config.json', path: 'config.json' }] });
    expect(service).toMatchObject({ metadata: { name: 'weather-i-1', labels }, spec: { type: 'ClusterIP', selector: { 'addon-platform.io/instance': 'i-1' }, ports: [{ port: 8080 }] } });
    expect(buildInstanceObjects(instanceSpec({ kind: 'CONFIG_SERVICE' })).service.metadata!.labels!['addon-platform.io/kind']).toBe('config-service');
  });

  it('changes the pod template with the config, so a config change rolls the Pods, and nothing else when nothing changes', () => {
    const hashOf = (config: object) => buildInstanceObjects(instanceSpec({ config })).deployment.spec!.template.metadata!.annotations![CONFIG_HASH_ANNOTATION];
    expect(hashOf({ city: 'Oslo' })).toMatch(/^[0-9a-f]{64}$/);
    expect(hashOf({ city: 'Oslo' })).toBe(hashOf({ city: 'Oslo' }));
    expect(hashOf({ city: 'Bergen' })).not.toBe(hashOf({ city: 'Oslo' }));
    expect(buildInstanceObjects(instanceSpec())).toEqual(buildInstanceObjects(instanceSpec()));
  });
});
