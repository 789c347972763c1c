// Which optional endpoints this deployment has, read from its OpenAPI document, so pages show "not available"
// instead of calling routes that are not installed.
import { useQuery } from "@tanstack/react-query";
import { api } from "./api.ts";

export function useCapabilities() {
  const q = useQuery({
    queryKey: ["openapi-paths"],
    staleTime: Infinity,
    queryFn: async () => {
      const doc = await api<{ paths?: Record<string, Record<string, unknown>> }>("/api/openapi.json");
      return doc.paths ?? {};
    },
  });
  const has = (path: string, method = "get") => !!q.data?.[path]?.[method.toLowerCase()];
  return { ready: !q.isLoading, has };
}
