// A fixture the project's lint run must reject (test/lint-rules.test.ts): a promise nobody awaits, and a promise
// handed to a place that expects a plain callback. Excluded from the ordinary lint run.
export async function store(): Promise<void> {}

export function forget(): void {
  store();
}

export function misuse(items: string[]): void {
  items.forEach(async () => {
    await store();
  });
}
