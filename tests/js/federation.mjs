// Composes partnergraph's exported SDL with a small second subgraph that extends Project
// (@theguild/federation-composition), serves that subgraph on 127.0.0.1, and runs a query through
// @apollo/gateway that needs `_entities` from partnergraph. Prints {result, partnergraphQueries} as JSON.
// Usage: node federation.mjs <partnergraph url> <token> <schema.graphql path> <budgets JSON> <query>
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@theguild/federation-composition';
import { graphql, parse } from 'graphql';

const [partnergraphUrl, token, sdlPath, budgetsJson, query] = process.argv.slice(2);
const budgets = JSON.parse(budgetsJson);

const budgetTypeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Query {
    "Projects with a budget, as this subgraph knows them: only their ids."
    projectBudgets: [Project!]!
  }

  type Project @key(fields: "id") {
    id: ID!
    budgetHours: Int
  }
`);
const budgetSchema = buildSubgraphSchema([{
  typeDefs: budgetTypeDefs,
  resolvers: {
    Query: { projectBudgets: () => Object.keys(budgets).map((id) => ({ id })) },
    Project: {
      __resolveReference: ({ id }) => ({ id }),
      budgetHours: ({ id }) => budgets[id] ?? null,
    },
  },
}]);

// The second subgraph: a minimal GraphQL-over-HTTP server on 127.0.0.1.
const budgetServer = createServer(async (request, response) => {
  let body = '';
  for await (const chunk of request) body += chunk;
  const { query: source, variables, operationName } = JSON.parse(body);
  const result = await graphql({ schema: budgetSchema, source, variableValues: variables, operationName });
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(result));
});
await new Promise((resolve) => budgetServer.listen(0, '127.0.0.1', resolve));
const budgetsUrl = `http://127.0.0.1:${budgetServer.address().port}/graphql`;

try {
  const composed = composeServices([
    { name: 'partnergraph', typeDefs: parse(readFileSync(sdlPath, 'utf8')), url: partnergraphUrl },
    { name: 'budgets', typeDefs: budgetTypeDefs, url: budgetsUrl },
  ]);
  if (composed.errors?.length) {
    process.stdout.write(JSON.stringify({ compositionErrors: composed.errors.map((e) => e.message) }) + '\n');
    process.exit(1);
  }

  const partnergraphQueries = [];
  const gateway = new ApolloGateway({
    supergraphSdl: composed.supergraphSdl,
    buildService: ({ name, url }) => new RemoteGraphQLDataSource({
      url,
      willSendRequest({ request }) {
        if (name === 'partnergraph') {
          partnergraphQueries.push(request.query);
          request.http.headers.set('authorization', `Bearer ${token}`);
        }
      },
    }),
  });
  const server = new ApolloServer({ gateway });
  await server.start();
  const response = await server.executeOperation({ query });
  await server.stop();
  process.stdout.write(JSON.stringify({ result: response.body.singleResult, partnergraphQueries }) + '\n');
} finally {
  budgetServer.close();
}
