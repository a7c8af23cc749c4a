// The Schema Registry client against the run's registry (stand-in or container) and private stand-ins: schemas by
// id, a subject's id looked up or registered, basic auth, TLS with a private CA, and how each kind of outage is
// classified: retriable, never an absent id.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alertSchemaJson, streamSchemaJson } from '../../services/codec/schema-catalog.js';
import { SchemaRegistryFailure, type SchemaRegistryClient } from '../../services/schema-registry/registry-client.js';
import { topicValueSubject } from '../../services/schema-registry/registry-settings.js';
import { registryClient } from './support/confluent-scenario.js';
import { startPrivateSchemaRegistry, testStack, type SchemaRegistryStandIn } from '../stack/test-context.js';

describe('the Schema Registry client', () => {
  const stack = testStack();
  const opened: SchemaRegistryClient[] = [];
  const standIns: SchemaRegistryStandIn[] = [];
  const client = (...args: Parameters<typeof registryClient>) => {
    const c = registryClient(...args);
    opened.push(c);
    return c;
  };
  const standIn = async (...args: Parameters<typeof startPrivateSchemaRegistry>) => {
    const s = await startPrivateSchemaRegistry(...args);
    standIns.push(s);
    return s;
  };

  afterEach(async () => {
    for (const c of opened.splice(0)) c.close();
    for (const s of standIns.splice(0)) await s.stop();
  });

  it('registers a schema under a subject once, and gives its writer type back by id', async () => {
    const registry = client(stack.schemaRegistryUrl);
    const subject = topicValueSubject(stack.uniqueName('gp.optout.events'));
    const id = await registry.schemaIdUnder(subject, streamSchemaJson('gpEvents'));
    expect(await registry.schemaIdUnder(subject, streamSchemaJson('gpEvents'))).toBe(id);
    const lookup = await client(stack.schemaRegistryUrl).writerSchemaById(id);
    expect(lookup.kind === 'avro' && lookup.type.name).toBe('optout.v1.GpOptOutEvent');
    expect(await registry.schemaIdUnder(topicValueSubject(stack.uniqueName('optout.alerts')), alertSchemaJson())).not.toBe(id);
  });

  it('answers absent for an id the registry does not have', async () => {
    expect(await client(stack.schemaRegistryUrl).writerSchemaById(2_000_000_000)).toEqual({ kind: 'absent' });
  });

  it('says a schema that is not Avro cannot be used', async () => {
    const registry = await standIn();
    const response = await fetch(`${registry.url}/subjects/proto-value/versions`, {
      method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schemaType: 'JSON', schema: JSON.stringify({ type: 'object', properties: { a: { type: 'string' } } }) }),
    });
    const { id } = await response.json() as { id: number };
    expect(await client(registry.url).writerSchemaById(id)).toEqual({ kind: 'unusable', detail: 'a JSON schema, not Avro' });
  });

  it('sends basic auth, and a registry refusing it is retried, not an absent id', async () => {
    const registry = await standIn({ basicAuth: { username: 'verifier', password: 'correct horse' } });
    const id = await client(registry.url, { username: 'verifier', password: 'correct horse' }).schemaIdUnder('a-value', streamSchemaJson('ndsReceived'));
    expect(await client(registry.url, { username: 'verifier', password: 'correct horse' }).writerSchemaById(id)).toMatchObject({ kind: 'avro' });
    const refused = await client(registry.url, { username: 'verifier', password: 'wrong' }).writerSchemaById(id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SchemaRegistryFailure);
    expect(refused).toMatchObject({ retriable: true });
  });

  it('trusts a private CA over https', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'registry-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const [key, cert] = await Promise.all([readFile(join(dir, 'key.pem'), 'utf8'), readFile(join(dir, 'cert.pem'), 'utf8')]);
    const registry = await standIn({ tls: { key, cert }, basicAuth: { username: 'verifier', password: 'pw' } });
    expect(registry.url).toMatch(/^https:/);
    const id = await client(registry.url, { username: 'verifier', password: 'pw' }, cert).schemaIdUnder('tls-value', streamSchemaJson('ndsManifests'));
    expect(await client(registry.url, { username: 'verifier', password: 'pw' }, cert).writerSchemaById(id)).toMatchObject({ kind: 'avro' });
    // Without the CA the certificate is not trusted: a failure to retry (the deployment fixes its CA), never an absent id.
    expect(await client(registry.url, { username: 'verifier', password: 'pw' }).writerSchemaById(id).catch((e: unknown) => e)).toMatchObject({ name: 'SchemaRegistryFailure', retriable: true });
  });

  it.each(['unavailable', 'refused', 'unanswered'] as const)('takes a registry that is %s for transient', async (outage) => {
    const registry = await standIn();
    const id = await client(registry.url).schemaIdUnder('outage-value', streamSchemaJson('gpEvents'));
    await registry.setOutage(outage);
    const failure = await client(registry.url, null, null, 300).writerSchemaById(id).catch((e: unknown) => e);
    expect(failure).toMatchObject({ name: 'SchemaRegistryFailure', retriable: true });
    if (outage !== 'refused') expect(registry.served.refused).toBeGreaterThan(0);
    await registry.setOutage(null);
    expect(await client(registry.url).writerSchemaById(id)).toMatchObject({ kind: 'avro' });
  });
});
