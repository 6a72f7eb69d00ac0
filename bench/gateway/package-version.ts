import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The installed version of `name` as resolved from `fromDir`, for the report. Found by walking up
 * from its entry point, since not every package exports its package.json.
 */
export function readPackageVersion(name: string, fromDir: string): string {
  let dir = dirname(createRequire(join(fromDir, 'package.json')).resolve(name));
  for (; dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version: string };
      if (manifest.name === name) return manifest.version;
    } catch {
      // No package.json at this level: keep walking up.
    }
  }
  return 'unknown';
}
