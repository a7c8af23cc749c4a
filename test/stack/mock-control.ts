// The mock cluster belongs to the globalSetup process, but tests run in worker
// processes. This small HTTP API on 127.0.0.1 lets them create topics and
// inject faults in it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Kafka's protocol ApiKey numbers, for pushRequestErrors. */
export const ApiKey = { Produce: 0, Fetch: 1, ListOffsets: 2, Metadata: 3, OffsetCommit: 8, OffsetFetch: 9, FindCoordinator: 10, JoinGroup: 11, Heartbeat: 12, SyncGroup: 14 } as const;

export interface MockKafkaFaults {
  /** Closes the broker's connections and refuses new ones; its partitions keep it as leader. */
  brokerDown(brokerId: number): Promise<void>;
  brokerUp(brokerId: number): Promise<void>;
  /** The next requests of this ApiKey, on any broker, fail with these Kafka error codes in order. */
  pushRequestErrors(apiKey: number, errorCodes: number[]): Promise<void>;
  setRtt(brokerId: number, ms: number): Promise<void>;
}

export interface MockKafkaControl extends MockKafkaFaults {
  createTopic(name: string, partitions: number): Promise<void>;
}

type Call =
  | { op: 'createTopic'; name: string; partitions: number }
  | { op: 'brokerDown' | 'brokerUp'; brokerId: number }
  | { op: 'pushRequestErrors'; apiKey: number; errorCodes: number[] }
  | { op: 'setRtt'; brokerId: number; ms: number };

function perform(control: MockKafkaControl, call: Call): Promise<void> {
  switch (call.op) {
    case 'createTopic': return control.createTopic(call.name, call.partitions);
    case 'brokerDown': return control.brokerDown(call.brokerId);
    case 'brokerUp': return control.brokerUp(call.brokerId);
    case 'pushRequestErrors': return control.pushRequestErrors(call.apiKey, call.errorCodes);
    case 'setRtt': return control.setRtt(call.brokerId, call.ms);
  }
}

export interface MockControlServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function serveMockControl(control: MockKafkaControl): Promise<MockControlServer> {
  const server = createServer((request, response) => {
    handle(control, request, response).catch((error: unknown) => {
      respond(response, 500, error instanceof Error ? error.message : String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}

async function handle(control: MockKafkaControl, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'POST') return respond(response, 405, 'POST a JSON call');
  let body = '';
  for await (const chunk of request) body += String(chunk);
  let call: Call;
  try {
    call = JSON.parse(body) as Call;
  } catch {
    return respond(response, 400, 'body is not JSON');
  }
  await perform(control, call);
  respond(response, 204, '');
}

function respond(response: ServerResponse, status: number, message: string): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': 'text/plain' }).end(message);
}

/** The worker-side view of a mock cluster owned by another process. */
export function mockControlClient(url: string): MockKafkaControl {
  const call = async (body: Call): Promise<void> => {
    const response = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    if (!response.ok) throw new Error(`Kafka mock cluster control: ${body.op} failed: ${await response.text()}`);
  };
  return {
    createTopic: (name, partitions) => call({ op: 'createTopic', name, partitions }),
    brokerDown: (brokerId) => call({ op: 'brokerDown', brokerId }),
    brokerUp: (brokerId) => call({ op: 'brokerUp', brokerId }),
    pushRequestErrors: (apiKey, errorCodes) => call({ op: 'pushRequestErrors', apiKey, errorCodes }),
    setRtt: (brokerId, ms) => call({ op: 'setRtt', brokerId, ms }),
  };
}
