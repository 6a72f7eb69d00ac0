import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const TS_NODE = ['--conditions=source', '--import', '@swc-node/register/esm-register'];

describe('a service started alone', () => {
  it.each(['subgraphs/repos/src/main.ts', 'subgraphs/addons/src/main.ts', 'subgraphs/runtimes/src/main.ts', 'gateway/src/main.ts'])(
    '%s refuses to start on bad settings, naming each, and exits non-zero',
    async (main) => {
      const env = { PATH: process.env.PATH, GATEWAY_SECRET: 'too-short', PORT: '99999' };
      const failure = await promisify(execFile)(process.execPath, [...TS_NODE, main], { env }).then(
        () => undefined,
        (error: { code: number; stdout: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stdout).toMatch(/GATEWAY_SECRET must be at least 32 characters/);
      expect(failure?.stdout).toMatch(/PORT must be an integer/);
      expect(failure?.stdout).toMatch(/JWT_SECRET/);
    },
  );
});
