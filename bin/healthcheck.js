#!/usr/bin/env node
// The image's HEALTHCHECK: exit 0 when the live service's /healthz answers 200 on its metrics port, else 1.
// Plain Node (the image has no curl). The listener is METRICS_HOST:METRICS_PORT; an unspecified address
// (0.0.0.0, ::) is asked through the loopback.
const port = process.env.METRICS_PORT || '9464';
const host = ['', '0.0.0.0', '::', '[::]'].includes(process.env.METRICS_HOST ?? '') ? '127.0.0.1' : process.env.METRICS_HOST;
const address = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
try {
  const response = await fetch(`http://${address}:${port}/healthz`, { signal: AbortSignal.timeout(4_000) });
  process.exitCode = response.status === 200 ? 0 : 1;
} catch {
  process.exitCode = 1;
}
