// The @clerk/backend name of every Backend API call, for clerk-backend's operation table
// (crates/clerk-backend/codegen/js_names.tsv, read by `cargo xtask codegen`). Regenerate after
// changing the pinned @clerk/backend version:
//
//   (cd parity && npm ci && node js_names.mjs > ../crates/clerk-backend/codegen/js_names.tsv)
//
// Calls every method of every resource of `createClerkClient()` with a recording `request` (no
// network) and prints, per call, `resource.method<TAB>HTTP method<TAB>path` of the first request
// it makes. Each method is tried twice: with string arguments (`getUser("{arg0}")`) and with one
// parameters object whose every field is `{field}` (`createOrganizationMembership({...})`); the
// generator keeps the attempt whose method and path are an operation of the spec.
import { createClerkClient } from "@clerk/backend";

const client = createClerkClient({
  secretKey: "sk_test_x",
  machineSecretKey: "ak_x",
  publishableKey: "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k",
  telemetry: { disabled: true },
});
const params = new Proxy(
  {},
  { get: (_, key) => (typeof key === "string" ? `{${key}}` : undefined), ownKeys: () => [], has: () => true },
);
const attempts = [
  ["{arg0}", "{arg1}", "{arg2}"],
  [params, params],
];
// The SDK prints deprecation warnings on some calls: keep stdout for the table.
const quiet = () => {};
for (const level of ["log", "info", "warn", "error"]) console[level] = quiet;
const rows = [];
for (const resource of Object.keys(client).sort()) {
  const api = client[resource];
  if (!api || typeof api !== "object" || typeof api.request !== "function") continue;
  const proto = Object.getPrototypeOf(api);
  for (const name of Object.getOwnPropertyNames(proto).sort()) {
    const found = Object.getOwnPropertyDescriptor(proto, name);
    if (name === "constructor" || !found || typeof found.value !== "function") continue;
    const seen = new Set();
    for (const args of attempts) {
      let first = null;
      api.request = async (options) => {
        first ??= options;
        return { data: [], totalCount: 0 };
      };
      try {
        await api[name](...args);
      } catch {
        // A method that refuses the placeholder arguments: the other attempt may do.
      }
      if (first && first.path) {
        const row = `${resource}.${name}\t${first.method}\t${first.path}`;
        if (!seen.has(row)) rows.push(row);
        seen.add(row);
      }
    }
  }
}
process.stdout.write(`${rows.join("\n")}\n`);
