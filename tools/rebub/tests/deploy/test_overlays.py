"""Every overlay builds, every resource checks against its schema, and the shape holds."""

from __future__ import annotations

import copy

import pytest

from circulation.domain.policies import load_policy_file
from notifier.settings import NotifierSettings
from rebub.deploy.render import of_kind, overlays
from rebub.deploy.topology import partitions
from rebub.deploy.validate import problems
from rebub_shared.tenancy import institution_codes

TENANT_OVERLAYS = [o for o in overlays() if o.startswith("overlays/")]


@pytest.mark.parametrize("overlay", overlays())
def test_every_resource_of_the_overlay_is_valid(overlay, rendered, crds):
    resources = rendered[overlay]
    assert resources
    assert [p for r in resources for p in problems(r, crds)] == []


def test_a_misspelt_field_is_caught_in_builtin_and_custom_resources(rendered, crds):
    deployment = copy.deepcopy(of_kind(rendered["overlays/ub"], "Deployment")[0])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGett"] = {}
    user = copy.deepcopy(of_kind(rendered["platform"], "KafkaUser")[0])
    user["spec"]["authorization"]["acls"][0]["operation"] = "Read"
    scaled = copy.deepcopy(of_kind(rendered["overlays/ub"], "ScaledObject")[0])
    scaled["spec"]["maxReplicas"] = 3
    for broken in (deployment, user, scaled):
        assert problems(broken, crds), broken["kind"]


def test_custom_resources_use_the_schemas_kept_in_the_project(rendered, crds):
    kinds = {(r["apiVersion"], r["kind"]) for rs in rendered.values() for r in rs}
    builtin = ("v1", "apps/", "batch/", "networking.k8s.io/")
    custom = {k for k in kinds if not k[0].startswith(builtin)}
    assert custom <= set(crds)
    assert ("kafka.strimzi.io/v1", "KafkaUser") in custom


@pytest.mark.parametrize("overlay", TENANT_OVERLAYS)
def test_each_tenant_lives_in_its_own_namespace_with_its_tenant_setting(overlay, rendered):
    tenant = overlay.removeprefix("overlays/")
    resources = rendered[overlay]
    namespaced = [r for r in resources if r["kind"] != "Namespace"]
    assert {r["metadata"]["namespace"] for r in namespaced} == {f"rebub-{tenant}"}
    settings = [c for c in of_kind(resources, "ConfigMap") if "-settings-" in c["metadata"]["name"]]
    assert settings
    for config in settings:
        tenants = [v for k, v in config["data"].items() if k.endswith("__TENANT")]
        assert tenants == [tenant]


@pytest.mark.parametrize("overlay", TENANT_OVERLAYS)
def test_network_policies_deny_by_default_and_leave_only_to_the_platform_and_the_idp(
    overlay, rendered
):
    policies = of_kind(rendered[overlay], "NetworkPolicy")
    deny = next(p for p in policies if p["metadata"]["name"] == "default-deny")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    namespaces = {
        peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for p in policies
        for rule in p["spec"].get("egress", [])
        for peer in rule["to"]
        if "namespaceSelector" in peer
    }
    # not rebub-network: only the network team's desk, in that namespace, reads its imports
    assert namespaces == {"kube-system", "rebub-platform", "rebub-identity"}


@pytest.mark.parametrize("overlay", TENANT_OVERLAYS)
def test_every_service_takes_its_issuer_and_audience_from_the_overlays_configuration(
    overlay, rendered
):
    resources = rendered[overlay]
    (identity,) = [
        c
        for c in of_kind(resources, "ConfigMap")
        if c["metadata"]["name"].startswith("rebub-identity")
    ]
    assert identity["data"]["audience"] == "rebub"
    assert identity["data"]["issuer"].startswith("https://")
    assert identity["data"]["jwks_url"].endswith("/protocol/openid-connect/certs")
    for deployment in of_kind(resources, "Deployment"):
        env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        service = deployment["metadata"]["name"].replace("-", "_").upper()
        for setting, key in (
            ("ISSUER", "issuer"),
            ("AUDIENCE", "audience"),
            ("JWKS_URL", "jwks_url"),
        ):
            ref = env[f"REBUB_{service}__AUTH__{setting}"]["valueFrom"]["configMapKeyRef"]
            assert ref == {"name": identity["metadata"]["name"], "key": key}


@pytest.mark.parametrize("inst", institution_codes())
def test_consumers_scale_on_lag_up_to_their_topics_partitions(inst, rendered):
    resources = rendered[f"overlays/{inst}"]
    deployments = {d["metadata"]["name"] for d in of_kind(resources, "Deployment")}
    for scaled in of_kind(resources, "ScaledObject"):
        spec = scaled["spec"]
        assert spec["scaleTargetRef"]["name"] in deployments
        topics = [t["metadata"]["topic"] for t in spec["triggers"]]
        assert {t["type"] for t in spec["triggers"]} == {"kafka"}
        assert spec["maxReplicaCount"] == max(partitions(t) for t in topics)


def test_deployments_have_probes_resources_and_secrets(rendered):
    for overlay in TENANT_OVERLAYS:
        for deployment in of_kind(rendered[overlay], "Deployment"):
            container = deployment["spec"]["template"]["spec"]["containers"][0]
            assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
            assert container["livenessProbe"]["httpGet"]["path"] == "/health"
            assert container["resources"]["requests"]
            assert container["resources"]["limits"]
            secrets = {
                e["valueFrom"]["secretKeyRef"]["name"]
                for e in container["env"]
                if "secretKeyRef" in e["valueFrom"]
            }
            # The desk: its sessions in the store, its OIDC client's secret; the broker only
            # on the network team's desk, as the read-only observer.
            desk = {"rebub-mongodb", "rebub-desk-oidc"}
            expected = {
                "notifier": {"rebub-kafka", "rebub-mongodb", "rebub-smtp"},
                "desk": desk | {"rebub-kafka-observer"} if overlay == "overlays/network" else desk,
            }.get(deployment["metadata"]["name"], {"rebub-kafka", "rebub-mongodb"})
            assert secrets == expected


@pytest.mark.parametrize("inst", institution_codes())
def test_circulation_reads_its_policy_from_a_configmap_it_can_reload(inst, rendered, tmp_path):
    resources = rendered[f"overlays/{inst}"]
    (config,) = [
        c
        for c in of_kind(resources, "ConfigMap")
        if c["metadata"]["name"] == "circulation-policies"
    ]
    (tmp_path / f"{inst}.yaml").write_text(config["data"][f"{inst}.yaml"])
    assert load_policy_file(tmp_path / f"{inst}.yaml").institution == inst
    (deployment,) = [
        d for d in of_kind(resources, "Deployment") if d["metadata"]["name"] == "circulation"
    ]
    pod = deployment["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["policies"]["configMap"]["name"] == "circulation-policies"  # no hash: in place
    (mount,) = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "policies"]
    assert "subPath" not in mount  # a subPath mount is never updated by the kubelet
    settings = next(
        c["data"]
        for c in of_kind(resources, "ConfigMap")
        if c["metadata"]["name"].startswith("circulation-settings")
    )
    assert settings["REBUB_CIRCULATION__POLICIES_DIR"] == mount["mountPath"]
    assert float(settings["REBUB_CIRCULATION__POLICY_RELOAD_INTERVAL_S"]) > 0


@pytest.mark.parametrize("inst", institution_codes())
def test_the_notifier_prints_on_a_claim_and_mails_through_the_overlays_relay(
    inst, rendered, monkeypatch
):
    resources = rendered[f"overlays/{inst}"]
    (claim,) = of_kind(resources, "PersistentVolumeClaim")
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]  # any replica prints on request
    (deployment,) = [
        d for d in of_kind(resources, "Deployment") if d["metadata"]["name"] == "notifier"
    ]
    pod = deployment["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    container = pod["containers"][0]
    (letters,) = [
        m
        for m in container["volumeMounts"]
        if volumes[m["name"]].get("persistentVolumeClaim", {}).get("claimName")
        == claim["metadata"]["name"]
    ]
    assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsUser"]
    (config,) = [
        c
        for c in of_kind(resources, "ConfigMap")
        if c["metadata"]["name"].startswith("notifier-settings")
    ]
    for name, value in config["data"].items():
        monkeypatch.setenv(name, value)
    configs = {c["metadata"]["name"]: c["data"] for c in of_kind(resources, "ConfigMap")}
    for env in container["env"]:  # the Secrets as the IT team creates them, the ConfigMaps
        if ref := env["valueFrom"].get("secretKeyRef"):
            secret = "mongodb://store:27017" if ref["key"] == "uri" else f"{inst}-{ref['key']}"
            monkeypatch.setenv(env["name"], secret)
        else:
            ref = env["valueFrom"]["configMapKeyRef"]
            monkeypatch.setenv(env["name"], configs[ref["name"]][ref["key"]])
    settings = NotifierSettings()
    assert str(settings.letters_dir) == letters["mountPath"]
    assert settings.smtp.host == f"smtp-relay.{inst}.example.org"
    assert (settings.smtp.port, settings.smtp.start_tls) == (587, True)
    assert settings.smtp.username == f"{inst}-username"
    assert settings.smtp.password is not None
    assert settings.smtp.password.get_secret_value() == f"{inst}-password"
    assert settings.lease_ttl_s == 60


def test_only_the_network_teams_desk_shows_the_network_page(rendered):
    for overlay in TENANT_OVERLAYS:
        (settings,) = [
            c["data"]
            for c in of_kind(rendered[overlay], "ConfigMap")
            if c["metadata"]["name"].startswith("desk-settings")
        ]
        network = overlay == "overlays/network"
        assert settings["REBUB_DESK__NETWORK_PAGE"] == ("true" if network else "false")
        assert (settings["REBUB_DESK__TENANT"] == "network") is network
