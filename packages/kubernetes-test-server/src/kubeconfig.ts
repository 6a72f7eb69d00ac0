/**
 * A kubeconfig for `KubeConfig.loadFromString`. It is JSON, which is YAML, so it needs no YAML writer.
 * The CA travels as `certificate-authority-data`, so clients verify the server's certificate for real.
 */
export function toKubeconfig({ url, caPem, token, namespace }: { url: string; caPem: string; token: string; namespace?: string }): string {
  const name = 'kubernetes-test-server';
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { server: url, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
      users: [{ name, user: { token } }],
      contexts: [{ name, context: { cluster: name, user: name, ...(namespace ? { namespace } : {}) } }],
      'current-context': name,
    },
    null,
    2,
  );
}
