import { ConfigError, readSubgraphConfig } from '@addon-platform/platform';

const good = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/platform',
  GATEWAY_SECRET: 'g'.repeat(32),
  JWT_SECRET: 'j'.repeat(32),
};

describe('reading a subgraph configuration', () => {
  it('fills defaults beside the given settings', () => {
    expect(readSubgraphConfig('repos subgraph', good, 4001)).toMatchObject({
      host: '127.0.0.1',
      port: 4001,
      production: false,
      logLevel: 'info',
      dbPoolMax: 10,
      jobConcurrency: 4,
      jwt: { keys: { kind: 'hs256', secret: 'j'.repeat(32) } },
    });
  });

  it('reports every problem at once, naming the component and each setting', () => {
    const read = () =>
      readSubgraphConfig('repos subgraph', { GATEWAY_SECRET: 'short', PORT: 'eighty', LOG_LEVEL: 'loud', JWT_JWKS_URL: 'not a url', JOB_CONCURRENCY: '-1' }, 4001);
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/repos subgraph/);
    for (const setting of ['GATEWAY_SECRET', 'PORT', 'LOG_LEVEL', 'JWT_JWKS_URL', 'DATABASE_URL', 'JOB_CONCURRENCY']) expect(read).toThrow(setting);
  });

  it('refuses both JWT key sources at once, and neither', () => {
    expect(() => readSubgraphConfig('addons subgraph', { ...good, JWT_JWKS_URL: 'https://id.example.com/jwks' }, 4002)).toThrow(/only one/);
    const { JWT_SECRET: _omitted, ...withoutKeys } = good;
    expect(() => readSubgraphConfig('addons subgraph', withoutKeys, 4002)).toThrow(/JWT_SECRET .*or JWT_JWKS_URL/);
  });
});
