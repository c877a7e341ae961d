"""The API server driven by the official Python client (Debian python3-kubernetes).

Run by api_python.sh with KUBECONFIG set; prints PASS/FAIL lines and the summary line.
"""
import sys
import threading

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

passed = 0
failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("PASS", name)
    else:
        failed += 1
        print("FAIL", name, detail)


def main():
    config.load_kube_config()
    core = client.CoreV1Api()
    apps = client.AppsV1Api()
    ns = "pytest"
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))

    # Empty lists decode (items must be [] not null).
    pods = core.list_namespaced_pod(ns)
    check("empty pod list", pods.items == [])

    cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="a", labels={"app": "x", "tier": "db"}),
                            data={"k": "v"})
    created = core.create_namespaced_config_map(ns, cm)
    check("create configmap", created.metadata.uid and created.metadata.resource_version)
    core.create_namespaced_config_map(ns, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="b", labels={"app": "y"})))

    got = core.read_namespaced_config_map("a", ns)
    check("read configmap", got.data == {"k": "v"})
    listed = core.list_namespaced_config_map(ns, label_selector="app in (x),tier")
    check("list with set selector", [i.metadata.name for i in listed.items] == ["a"])
    listed = core.list_namespaced_config_map(ns, field_selector="metadata.name=b")
    check("list with field selector", [i.metadata.name for i in listed.items] == ["b"])
    page = core.list_namespaced_config_map(ns, limit=1)
    check("paged list has continue", len(page.items) == 1 and page.metadata._continue)
    rest = core.list_namespaced_config_map(ns, limit=1, _continue=page.metadata._continue)
    check("continue gives the rest", [i.metadata.name for i in rest.items] == ["b"])

    # Optimistic concurrency: a stale resourceVersion is a 409.
    got.data = {"k": "v2"}
    core.replace_namespaced_config_map("a", ns, got)
    try:
        got.data = {"k": "v3"}
        core.replace_namespaced_config_map("a", ns, got)
        check("stale update conflicts", False, "no error")
    except ApiException as e:
        check("stale update conflicts", e.status == 409, str(e.status))

    # Watch from a resourceVersion sees later changes in order.
    start_rv = core.list_namespaced_config_map(ns).metadata.resource_version
    seen = []

    def run_watch():
        w = watch.Watch()
        for event in w.stream(core.list_namespaced_config_map, ns, resource_version=start_rv,
                              timeout_seconds=10):
            seen.append((event["type"], event["object"].metadata.name))
            if len(seen) >= 3:
                w.stop()

    t = threading.Thread(target=run_watch)
    t.start()
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="c")))
    core.patch_namespaced_config_map("c", ns, {"metadata": {"labels": {"p": "1"}}})
    core.delete_namespaced_config_map("c", ns)
    t.join(15)
    check("watch events", seen == [("ADDED", "c"), ("MODIFIED", "c"), ("DELETED", "c")], str(seen))

    dep = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="d"),
        spec=client.V1DeploymentSpec(
            replicas=1,
            selector=client.V1LabelSelector(match_labels={"app": "d"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "d"}),
                spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="busybox")]))))
    apps.create_namespaced_deployment(ns, dep)
    scale = apps.read_namespaced_deployment_scale("d", ns)
    check("read scale", scale.spec.replicas == 1)
    apps.patch_namespaced_deployment_scale("d", ns, {"spec": {"replicas": 3}})
    check("patch scale", apps.read_namespaced_deployment("d", ns).spec.replicas == 3)
    try:
        dep2 = apps.read_namespaced_deployment("d", ns)
        dep2.spec.selector.match_labels = {"app": "other"}
        dep2.spec.template.metadata.labels = {"app": "other"}
        apps.replace_namespaced_deployment("d", ns, dep2)
        check("selector is immutable", False, "no error")
    except ApiException as e:
        check("selector is immutable", e.status == 422 and "field is immutable" in e.body, e.body)

    try:
        core.read_namespaced_config_map("missing", ns)
        check("missing is 404", False)
    except ApiException as e:
        check("missing is 404", e.status == 404)

    core.delete_namespace(ns)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
