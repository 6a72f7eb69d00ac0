/** A GraphQL response as a client sees it: HTTP status plus the parsed body. */
export interface GraphQLResult<TData = Record<string, any>> {
  status: number;
  data?: TData | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export async function postGraphQL<TData = Record<string, any>>(
  url: URL | string,
  query: string,
  options: { variables?: Record<string, unknown>; token?: string; headers?: Record<string, string> } = {},
): Promise<GraphQLResult<TData>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** The `extensions.code` of each error, for assertions that read like the API's contract. */
export const codesOf = (result: GraphQLResult) => (result.errors ?? []).map((error) => error.extensions?.code);
