/**
 * `npm run token -- --role operator --sub alice [--role tenant] [--tenant acme] [--did did:ont:…] [--expires 8h]`
 * mints an HS256 token for a local platform, signed with `JWT_SECRET` or the secret `npm start` made.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROLES, mintToken, type Role } from '@addon-platform/platform';
import { readLocalSecrets } from './local-secrets.js';

const usage = 'usage: npm run token -- --sub <user> --role <tenant|developer|operator> [--role …] [--tenant <org>] [--did <did:ont:…>] [--expires 1h]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      sub: { type: 'string' },
      role: { type: 'string', multiple: true },
      tenant: { type: 'string' },
      did: { type: 'string' },
      expires: { type: 'string', default: '1h' },
    },
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
const roles = values.role ?? [];
const unknownRoles = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
if (!values.sub || roles.length === 0 || unknownRoles.length > 0) {
  console.error(unknownRoles.length > 0 ? `unknown role ${unknownRoles.join(', ')}; roles are ${ROLES.join(', ')}\n${usage}` : usage);
  process.exit(2);
}

const secret = process.env.JWT_SECRET ?? (await readLocalSecrets(resolve(process.env.PLATFORM_DATA_DIR ?? '.data')))?.jwtSecret;
if (!secret) {
  console.error('No JWT secret: run `npm start` once (it makes one in .data/), or set JWT_SECRET.');
  process.exit(1);
}
console.log(await mintToken(secret, { sub: values.sub, roles: roles as Role[], tenant: values.tenant, did: values.did }, { expiresIn: values.expires }));
