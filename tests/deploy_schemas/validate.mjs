// Validate Kubernetes custom resources against their CRD schemas (Strimzi, Prometheus Operator).
// Input on stdin: a JSON array of resources. Output on stdout: a JSON array with, per resource,
// the list of problems (empty when it is valid). Used by tests/unit/test_manifest_schemas.py.
import { readFileSync } from "node:fs";

const PACKAGES = {
  "kafka.strimzi.io": "@kubernetes-models/strimzi-kafka-operator",
  "core.strimzi.io": "@kubernetes-models/strimzi-kafka-operator",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

async function problems(resource) {
  const [group, version] = String(resource.apiVersion ?? "").split("/");
  const pkg = PACKAGES[group];
  if (!pkg || !version) return [`no schema for apiVersion ${resource.apiVersion}`];
  let module;
  try {
    module = await import(`${pkg}/${group}/${version}/${resource.kind}`);
  } catch {
    return [`no schema for ${resource.apiVersion} ${resource.kind}`];
  }
  const Model = module[resource.kind];
  try {
    new Model(resource).validate();
    return [];
  } catch (error) {
    return String(error.message).split(/,\s*(?=data)/);
  }
}

const resources = JSON.parse(readFileSync(0, "utf8"));
const out = [];
for (const resource of resources) out.push(await problems(resource));
process.stdout.write(JSON.stringify(out));
