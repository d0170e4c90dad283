// GET a CDS service URL with a freshly signed client JWT (`aud` = the URL, a new `jti`, 5 minutes), for checking
// what a registered client sees, e.g. the feedback the CDS Hooks Sandbox sent:
//   node scripts/signed-get.mjs http://localhost:3000/cds-services/hcc-patient-view/feedback --key ../sandbox/keys/ecprivkey.pem
// Defaults sign as the Sandbox (iss https://sandbox.cds-hooks.org, its kid, ES384); --iss, --kid and --alg change that.
// The key file is a PKCS#8 PEM private key. Prints the status and the JSON body; exit 1 unless 2xx.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { importPKCS8, SignJWT } from 'jose';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    key: { type: 'string' },
    iss: { type: 'string', default: 'https://sandbox.cds-hooks.org' },
    kid: { type: 'string', default: '44823f3d-0b01-4a6c-a80e-b9d3e8a7226f' },
    alg: { type: 'string', default: 'ES384' },
  },
});
const url = positionals[0];
if (!url || !/^https?:\/\//.test(url) || !values.key) {
  console.error('usage: node scripts/signed-get.mjs <URL> --key <private key PEM> [--iss I] [--kid K] [--alg ES384]');
  process.exit(2);
}
let key;
try {
  key = await importPKCS8(readFileSync(values.key, 'utf8'), values.alg);
} catch (error) {
  console.error(`signed-get: cannot read the ${values.alg} private key in ${values.key}: ${error.message}`);
  process.exit(2);
}
const token = await new SignJWT({ jti: randomUUID() })
  .setProtectedHeader({ alg: values.alg, typ: 'JWT', kid: values.kid })
  .setIssuer(values.iss)
  .setAudience(url)
  .setIssuedAt()
  .setExpirationTime('5m')
  .sign(key);
try {
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  console.log(`HTTP ${response.status}`);
  try {
    console.log(JSON.stringify(JSON.parse(text), null, 2));
  } catch {
    console.log(text);
  }
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  console.error(`signed-get: GET ${url} failed: ${error.message}`);
  process.exit(1);
}
