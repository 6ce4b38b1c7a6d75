"""A Python application signing its calls with a RAM AccessKey that KMS
rotates, through Alibaba's managed-credentials provider for the Python SDK
core (aliyun-openapi-python-sdk-managed-credentials-provider): a
ProxyAcsClient takes the key from a RAMCredentials secret, refreshes it on
KMS's schedule (RotationInterval, NextRotationDate), and on
InvalidAccessKeyId.NotFound refreshes the secret and tries the call again.

The provider reads its settings from a properties file (region and KMS
endpoint, the application's own key that reads the secret, the secret's
name), written here from the environment into a private temporary folder;
nothing comes from argv.

Commands on stdin, one JSON line out for each (no credential is ever
printed: keys appear only as SHA-256 digests of their ids):
- `call <epochMs>`: one signed STS GetCallerIdentity; whether it succeeded
  after the provider's own refresh and retry, the error code if not, and the
  digest of the AccessKey id the client signs with.
- `describe <epochMs>`: what the provider holds of the secret: its type,
  sub-type and rotation interval, which decide its refresh schedule.
- `quit`.

The epoch is the caller's business clock (the emulator's): the provider's own
time arithmetic (its cache TTL, its refresh rate limit of 5 refreshes then one
per 10 minutes) reads time.time(), which follows that clock here, so time the
test or bench moves on is time the provider sees pass. Request signing stamps
the wall clock (time.gmtime()), as the emulator's signature check wants.
"""
import hashlib
import json
import logging
import os
import sys
import tempfile
import time

_wall = time.time
_offset = [0.0]


def _business_time():
    return _wall() + _offset[0]


# Before the SDK is imported, so every module's time.time() is this one.
time.time = _business_time

from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException  # noqa: E402
from aliyunsdkcore.request import CommonRequest  # noqa: E402
from aliyun_sdk_secretsmanager_common_plugin.aliyun_sdk_secretsmanager_plugins_manager import AliyunSdkSecretsManagerPluginsManager  # noqa: E402
from aliyun_sdk_secretsmanager_common_plugin.utils.config_loader import ConfigLoader  # noqa: E402
from aliyun_sdk_secretsmanager_sdk_core_plugin.proxy_acs_client import ProxyAcsClient  # noqa: E402

logging.disable(logging.CRITICAL)


def digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_config(folder, secret):
    path = os.path.join(folder, "managed_credentials_providers.properties")
    regions = json.dumps([{"regionId": os.environ["CONSUMER_REGION"], "endpoint": os.environ["CONSUMER_KMS_ENDPOINT"]}])
    lines = [
        "credentials_type=ak",
        "credentials_access_key_id=" + os.environ["CONSUMER_AK_ID"],
        "credentials_access_secret=" + os.environ["CONSUMER_AK_SECRET"],
        "cache_client_region_id=" + regions,
        "secret_names=" + secret,
    ]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def signing_key_id(client):
    # The signer the provider installs on the client (its updater replaces it on every refresh): the key the next request is signed with.
    return client._signer._credential.access_key_id


def call(client):
    request = CommonRequest(domain=os.environ["CONSUMER_STS_ENDPOINT"], version="2015-04-01", action_name="GetCallerIdentity")
    request.set_protocol_type("http")
    request.set_method("POST")
    out = {"phase": "call"}
    try:
        client.do_action_with_exception(request)
        out["ok"] = True
    except (ServerException, ClientException) as e:
        out["ok"] = False
        out["code"] = e.get_error_code()
    out["keyId"] = digest(signing_key_id(client))
    return out


def describe(secret):
    info = AliyunSdkSecretsManagerPluginsManager.get_secret_info(secret)
    extended = json.loads(info.extended_config) if info.extended_config else {}
    return {
        "phase": "describe",
        "secretType": info.secret_type,
        "secretSubType": extended.get("SecretSubType"),
        "rotationInterval": info.rotation_interval,
        # get_access_key, not get_access_key_id: 0.1.4's get_access_key_id calls a method its credentials class lacks (AttributeError).
        "keyId": digest(AliyunSdkSecretsManagerPluginsManager.get_access_key(secret).access_key_id),
    }


def main():
    secret = os.environ["CONSUMER_SECRET"]
    # The provider leaves its files in HOME (its log); the test gives it a folder of its own, the config goes beside it.
    folder = tempfile.mkdtemp(prefix="managed-credentials-", dir=os.environ.get("HOME"))
    ConfigLoader.set_config_name(write_config(folder, secret))
    client = ProxyAcsClient(secret_name=secret, region_id=os.environ["CONSUMER_REGION"])
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        if len(words) == 2 and words[0] in ("call", "describe"):
            _offset[0] = int(words[1]) / 1000.0 - _wall()
            out = call(client) if words[0] == "call" else describe(secret)
            print(json.dumps(out), flush=True)
        else:
            print(json.dumps({"phase": "unknown-command", "command": words[0][:20]}), flush=True)
    os._exit(0)  # the provider's refresh threads would otherwise keep the process alive


if __name__ == "__main__":
    main()
