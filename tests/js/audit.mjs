// Runs graphql-http's GraphQL-over-HTTP server audits against a running server and prints the results
// as JSON lines: {"id", "name", "status", "reason"}. Usage: node audit.mjs http://127.0.0.1:PORT/graphql
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <url>');
  process.exit(2);
}
const results = [];
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  results.push({
    id: result.id,
    name: result.name,
    status: result.status,
    reason: result.status === 'ok' ? null : result.reason,
  });
}
process.stdout.write(JSON.stringify(results) + '\n');
