"""Runs one Pulumi operation on an inline program through the Automation API
(pulumi.automation), with the generated Python SDK, as a Python user's code
would. The test sends a JSON request on stdin and reads one JSON line back.

The Automation API starts the program's language server in this process and
calls the real CLI with --client: no language host binary is involved.
"""
import json
import sys

import pulumi
from pulumi import automation as auto
import pulumi_alicloud_managed_secrets as ms


def lifecycle():
    cfg = pulumi.Config()
    connection = ms.EcsConnectionArgs(
        host=cfg.require("web1Host"),
        port=cfg.require_int("web1Port"),
        host_key_fingerprint=cfg.require("web1HostKeyFingerprint"),
        admin=ms.EcsAdminArgs(user="root", private_key=cfg.require_secret("web1AdminPrivateKey")),
    )
    trigger = cfg.require("rotateNow")
    web1_root = ms.EcsSecret(
        "web1-root",
        instance_id="i-sandboxweb1",
        managed_user="root",
        credential_type=ms.CredentialType.PASSWORD,
        initial_value=cfg.require_secret("web1RootPassword"),
        connection=connection,
        rotation_period="7d",
        rotation_trigger=trigger,
        recovery_window_days=7,
    )
    web1_key = ms.EcsSecret(
        "web1-root-key",
        instance_id="i-sandboxweb1",
        managed_user="root",
        credential_type=ms.CredentialType.KEY_PAIR,
        secret_name="ecs/i-sandboxweb1/root-key",
        initial_value=cfg.require_secret("web1RootPrivateKey"),
        key_algorithm=ms.KeyAlgorithm.ED25519,
        connection=connection,
        rotation_period="7d",
        rotation_trigger=trigger,
        recovery_window_days=7,
    )
    app_key = ms.RamSecret(
        "app-key",
        user_name=cfg.require("ramUserName"),
        initial_access_key_id=cfg.require("ramAccessKeyId"),
        initial_access_key_secret=cfg.require_secret("ramAccessKeySecret"),
        previous_key_action=ms.PreviousKeyAction.DEACTIVATE,
        rotation_period="7d",
        rotation_trigger=trigger,
        recovery_window_days=7,
    )
    pulumi.export("web1RootVersion", web1_root.version_id)
    pulumi.export("web1RootKeyVersion", web1_key.version_id)
    pulumi.export("appAccessKeyId", app_key.access_key_id)


def bad(variant):
    def program():
        args = dict(
            instance_id="i-bp1abcdefghijk",
            managed_user="root",
            credential_type="password",
            initial_value=pulumi.Output.secret("Initial-Passw0rd-1"),
            connection=ms.EcsConnectionArgs(host="127.0.0.1", host_key_fingerprint="SHA256:" + "A" * 43),
        )
        if variant == "missing-required":
            del args["instance_id"]
        elif variant == "wrong-enum":
            args["credential_type"] = "passwd"
        elif variant == "plain-secret":
            args["connection"] = ms.EcsConnectionArgs(
                host="127.0.0.1", host_key_fingerprint="SHA256:" + "A" * 43, admin=ms.EcsAdminArgs(user="root", password="Admin-Passw0rd-1")
            )
        ms.EcsSecret("s1", **args)

    return program


def main():
    req = json.load(sys.stdin)
    program = lifecycle if req["program"] == "lifecycle" else bad(req["program"])
    stack = auto.create_or_select_stack(
        stack_name=req["stack"],
        project_name=req["project"],
        program=program,
        opts=auto.LocalWorkspaceOptions(work_dir=req["workDir"]),
    )
    stack.set_all_config({k: auto.ConfigValue(value=v["value"], secret=v["secret"]) for k, v in req["config"].items()})
    lines = []
    on_output = lines.append
    opts = req.get("options", {})
    try:
        if req["op"] == "up":
            stack.up(on_output=on_output, refresh=opts.get("refresh"), expect_no_changes=opts.get("expectNoChanges"), color="never")
        elif req["op"] == "preview":
            stack.preview(on_output=on_output, refresh=opts.get("refresh"), expect_no_changes=opts.get("expectNoChanges"), diff=True, color="never")
        elif req["op"] == "destroy":
            stack.destroy(on_output=on_output, color="never")
        else:
            raise ValueError("unknown op " + req["op"])
        code = 0
    except Exception as e:  # the Automation API's CommandError carries the CLI's output
        lines.append(str(e))
        code = 1
    print(json.dumps({"code": code, "text": "\n".join(lines)}))


if __name__ == "__main__":
    main()
