#!/usr/bin/env node
// Writes the ConfigMaps from the files the service reads (hooks/*.json, deploy/config/site-policy.json) and the
// Deployment's checksum/config annotation from their content, so a changed definition rolls the pods.
// Run after editing a hook or the site policy: node deploy/kubernetes/sync-config.mjs   (npm test checks the result)
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const LABELS = { 'app.kubernetes.io/name': 'hcc-cds', 'app.kubernetes.io/component': 'cds-service' };

/** The ConfigMaps as objects: name -> { file name: content }, in the Deployment's volume order. */
export function configMapData() {
  const hooksDir = join(root, 'hooks');
  const hooks = Object.fromEntries(
    readdirSync(hooksDir)
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => [name, readFileSync(join(hooksDir, name), 'utf8')]),
  );
  const policy = { 'site-policy.json': readFileSync(join(root, 'deploy', 'config', 'site-policy.json'), 'utf8') };
  return [
    ['hcc-cds-hooks', hooks],
    ['hcc-cds-site-policy', policy],
  ];
}

/** sha256 over every ConfigMap entry (name, key, value, NUL-separated, keys sorted). */
export function configChecksum(maps) {
  const hash = createHash('sha256');
  for (const [name, data] of maps) {
    for (const key of Object.keys(data).sort()) hash.update(`${name}\0${key}\0${data[key]}\0`);
  }
  return `sha256:${hash.digest('hex')}`;
}

function configMapYaml(name, data, source) {
  const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: LABELS }, data };
  return `# Generated from ${source} by deploy/kubernetes/sync-config.mjs: edit the source, not this file.\n${stringify(object, { lineWidth: 0 })}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const maps = configMapData();
  const sources = { 'hcc-cds-hooks': 'hooks/*.json', 'hcc-cds-site-policy': 'deploy/config/site-policy.json' };
  const files = { 'hcc-cds-hooks': 'configmap-hooks.yaml', 'hcc-cds-site-policy': 'configmap-site-policy.yaml' };
  for (const [name, data] of maps) writeFileSync(join(here, files[name]), configMapYaml(name, data, sources[name]));
  const deploymentPath = join(here, 'deployment.yaml');
  const annotation = /^(\s+checksum\/config: )"[^"]*"$/m;
  const deployment = readFileSync(deploymentPath, 'utf8');
  if (!annotation.test(deployment)) throw new Error(`${deploymentPath}: no checksum/config annotation line to update`);
  writeFileSync(deploymentPath, deployment.replace(annotation, `$1"${configChecksum(maps)}"`));
  process.stdout.write(`wrote ${Object.values(files).join(', ')} and the checksum in deployment.yaml\n`);
}
