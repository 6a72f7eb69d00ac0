/**
 * A reader of environment variables that collects every problem before failing, so a bad deployment
 * learns all of its mistakes at once. Each service's `readConfig(env)` is built on it.
 */
export class ConfigError extends Error {
  constructor(component: string, problems: string[]) {
    super(`${component}: invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export function createEnvReader(component: string, env: Env) {
  const problems: string[] = [];
  const raw = (name: string) => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };

  const reader = {
    string(name: string, fallback: string): string {
      return raw(name) ?? fallback;
    },
    optionalString(name: string): string | undefined {
      return raw(name);
    },
    requiredString(name: string, hint: string): string {
      const value = raw(name);
      if (value === undefined) problems.push(`${name} is required (${hint})`);
      return value ?? '';
    },
    integer(name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
      const value = raw(name);
      if (value === undefined) return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        problems.push(`${name} must be an integer between ${min} and ${max}, got "${value}"`);
        return fallback;
      }
      return parsed;
    },
    boolean(name: string, fallback: boolean): boolean {
      const value = raw(name);
      if (value === undefined) return fallback;
      if (['1', 'true', 'yes'].includes(value.toLowerCase())) return true;
      if (['0', 'false', 'no'].includes(value.toLowerCase())) return false;
      problems.push(`${name} must be true or false, got "${value}"`);
      return fallback;
    },
    oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
      const value = raw(name);
      if (value === undefined) return fallback;
      if (!(allowed as readonly string[]).includes(value)) {
        problems.push(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
        return fallback;
      }
      return value as T;
    },
    url(name: string, fallback?: string): string | undefined {
      const value = raw(name) ?? fallback;
      if (value === undefined) return undefined;
      try {
        new URL(value);
      } catch {
        problems.push(`${name} must be an absolute URL, got "${value}"`);
      }
      return value;
    },
    /** Records a problem found by a cross-field check. */
    problem(message: string): void {
      problems.push(message);
    },
    /** Throws a {@link ConfigError} listing every problem found so far. */
    done(): void {
      if (problems.length > 0) throw new ConfigError(component, problems);
    },
  };
  return reader;
}

export type EnvReader = ReturnType<typeof createEnvReader>;
