// Opens GraphiQL in headless Chromium with every request off 127.0.0.1 blocked, runs an operation and prints
// {result, external, errors} as JSON once the result pane shows the expected text. For a subscription, give
// a trigger: a {query, variables} JSON that this script POSTs (with the token) once the subscription runs.
// Usage: node graphiql.mjs <graphql url> <token> <operation> <expected text> [trigger JSON]
import { chromium } from 'playwright-core';

const [url, token, query, expected, trigger] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const external = [];
const errors = [];
try {
  const context = await browser.newContext();
  // No internet for the page: anything not served by partnergraph on 127.0.0.1 is refused and recorded.
  await context.route('**/*', (route) => {
    const target = new URL(route.request().url());
    if (target.protocol === 'data:' || target.hostname === '127.0.0.1') return route.continue();
    external.push(target.href);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  const parameters = new URLSearchParams({ q: query, headers: JSON.stringify({ Authorization: `Bearer ${token}` }) });
  await page.goto(`${url}?${parameters}`);
  await page.waitForSelector('.graphiql-execute-button', { timeout: 30000 });
  await page.click('.graphiql-execute-button');
  if (trigger) {
    await page.waitForTimeout(1500); // the subscription's socket opens and subscribes
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: trigger,
    });
    if (!response.ok) throw new Error(`the trigger failed: ${response.status} ${await response.text()}`);
  }
  await page.waitForFunction(
    (text) => (document.querySelector('.result-window')?.innerText || '').includes(text), expected,
    { timeout: 30000 },
  );
  const result = await page.$eval('.result-window', (element) => element.innerText);
  process.stdout.write(JSON.stringify({ result, external, errors }) + '\n');
} finally {
  await browser.close();
}
