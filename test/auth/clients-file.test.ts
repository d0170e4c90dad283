import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/config.js';
import { tempDir, testService } from '../helpers/service.js';
import { testKey, writeClientsFile, type TestKey } from './jwt-helpers.js';

let key: TestKey;
beforeAll(async () => {
  key = await testKey('ES384', 'k1');
});

async function startFails(document: unknown, pattern: RegExp): Promise<void> {
  const path = writeClientsFile(document);
  const attempt = testService({ CDS_CLIENTS_FILE: path });
  await expect(attempt).rejects.toBeInstanceOf(ConfigError);
  await expect(attempt).rejects.toThrow(path);
  await expect(attempt).rejects.toThrow(pattern);
}

describe('CDS_CLIENTS_FILE is checked at start-up', () => {
  it('accepts both client shapes with tenant and algs', async () => {
    const path = writeClientsFile({ clients: [{ iss: 'https://a.example.org', jwks: { keys: [key.publicJwk] }, tenant: 't1', algs: ['ES384'] }, { iss: 'https://b.example.org', jku: 'https://b.example.org/jwks' }] });
    const service = await testService({ CDS_CLIENTS_FILE: path });
    await service.close();
  });

  it('names the file and the field for each kind of mistake', async () => {
    await startFails({}, /clients is required/);
    await startFails({ clients: {} }, /clients must be array/);
    await startFails({ clients: [{ jwks: { keys: [key.publicJwk] } }] }, /clients\[0\]\.iss is required/);
    await startFails({ clients: [{ iss: 'https://a.example.org' }] }, /clients\[0\] needs exactly one of "jwks".*or "jku"/);
    await startFails({ clients: [{ iss: 'https://a.example.org', jwks: { keys: [key.publicJwk] }, jku: 'https://a.example.org/jwks' }] }, /clients\[0\] needs exactly one/);
    await startFails({ clients: [{ iss: 'https://a.example.org', jku: 'http://a.example.org/jwks' }] }, /clients\[0\]\.jku must match pattern/);
    await startFails({ clients: [{ iss: 'https://a.example.org', jwks: { keys: [{ kty: 'oct', kid: 'h', k: 'c2VjcmV0' }] } }] }, /clients\[0\]\.jwks\.keys\[0\]/);
    await startFails({ clients: [{ iss: 'https://a.example.org', jwks: { keys: [{ ...key.publicJwk, d: 'private' }] } }] }, /clients\[0\]\.jwks\.keys\[0\]\.d/);
    await startFails({ clients: [{ iss: 'https://a.example.org', jwks: { keys: [key.publicJwk] }, algs: ['HS256'] }] }, /clients\[0\]\.algs\[0\]/);
    await startFails({ clients: [{ iss: 'https://a.example.org', jwks: { keys: [key.publicJwk] }, algs: ['none'] }] }, /clients\[0\]\.algs\[0\]/);
    await startFails({ clients: [{ iss: 'https://a.example.org', jwks: { keys: [key.publicJwk] }, colour: 'blue' }] }, /clients\[0\] must NOT have additional properties/);
    await startFails({ clients: [{ iss: 'https://a.example.org', jwks: { keys: [key.publicJwk] } }, { iss: 'https://a.example.org', jku: 'https://a.example.org/jwks' }] }, /clients\[1\]\.iss .* listed twice/);
    await startFails({ clients: [{ iss: 'https://a.example.org', jwks: { keys: [key.publicJwk, key.publicJwk] } }] }, /clients\[0\]\.jwks\.keys\[1\]\.kid "k1" is not unique/);
    await startFails({ clients: [{ iss: 'https://a.example.org', jwks: { keys: [{ ...key.publicJwk, x: 'AAAA' }] } }] }, /clients\[0\]\.jwks\.keys\[0\] \(kid "k1"\) is not a usable public key/);
  });

  it('a file that is not JSON, or missing', async () => {
    const dir = tempDir();
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"clients": [');
    await expect(testService({ CDS_CLIENTS_FILE: broken })).rejects.toThrow(/broken\.json: not valid JSON/);
    await expect(testService({ CDS_CLIENTS_FILE: join(dir, 'absent.json') })).rejects.toThrow(/absent\.json: cannot be read \(ENOENT\)/);
  });
});
