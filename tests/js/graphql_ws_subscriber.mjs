// A real external subscriber for tests/gql/test_subscriptions_graphql_ws.py: the npm `graphql-ws` client.
// Usage: node graphql_ws_subscriber.mjs '{"url": "...", "token": "...", "query": "...", "variables": {}, "count": 1}'
// Prints one JSON line per happening: {"connected": true}, {"next": <result>}, {"error": ...}, {"complete": true};
// disconnects and exits 0 after `count` results.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const config = JSON.parse(process.argv[2]);
const print = (value) => process.stdout.write(JSON.stringify(value) + '\n');

const client = createClient({
  url: config.url,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${config.token}` },
  lazy: false,
  retryAttempts: 0,
  on: { connected: () => print({ connected: true }) },
});

let received = 0;
client.subscribe(
  { query: config.query, variables: config.variables ?? {} },
  {
    next: async (result) => {
      print({ next: result });
      received += 1;
      if (received >= config.count) {
        await client.dispose();
        process.exit(0);
      }
    },
    error: (error) => {
      // A close event (refused connection) has a code; GraphQL errors come as a list.
      print({ error: error?.code ?? (Array.isArray(error) ? error : String(error)) });
      process.exit(1);
    },
    complete: () => print({ complete: true }),
  },
);
