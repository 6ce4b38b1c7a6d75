"""A Python application reading managed secrets through Alibaba's Secrets
Manager client for Python (alibabacloud-secretsmanager-client-v2), with the
region's endpoint given as a RegionInfo, as the client's README shows for a
KMS instance endpoint.

Credentials and secret names come from the environment, never argv. Output is
one JSON line per phase holding only SHA-256 digests of the parsed fields, so
the test compares values without a credential reaching a pipe or a log.
"""
import hashlib
import json
import logging
import os
import sys

from alibabacloud_secretsmanager_client_v2.model.region_info import RegionInfo
from alibabacloud_secretsmanager_client_v2.secret_manager_cache_client_builder import SecretManagerCacheClientBuilder
from alibabacloud_secretsmanager_client_v2.service.default_secret_manager_client_builder import (
    DefaultSecretManagerClientBuilder,
)

# The client logs failed calls with exc_info; keep its logs off the pipe the test reads.
logging.disable(logging.CRITICAL)


def digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def view(info):
    out = {"versionId": info.version_id, "secretDataType": info.secret_data_type}
    try:
        parsed = json.loads(info.secret_value)
        out["fields"] = {k: digest(v) for k, v in parsed.items() if isinstance(v, str)}
    except ValueError:
        out["error"] = "value is not JSON"
    return out


def first_line(error):
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def report(phase, client, names):
    secrets = {}
    for name in names:
        try:
            secrets[name] = view(client.get_secret_info(name))
        except Exception as e:  # the SDK's message: codes and wording, never a secret value
            secrets[name] = {"error": first_line(e)}
    print(json.dumps({"phase": phase, "secrets": secrets}), flush=True)


def main():
    names = sorted(os.environ["CONSUMER_SECRETS"].split(","))
    region = RegionInfo(region_id=os.environ["CONSUMER_REGION"], endpoint=os.environ["CONSUMER_ENDPOINT"])
    client = (
        SecretManagerCacheClientBuilder.new_cache_client_builder(
            # The README's CredentialsProviderUtils.with_access_key and with_region(RegionInfo)
            # are not in 2.0.0: with_region takes region ids only, so the endpoint goes in
            # through add_region_info.
            DefaultSecretManagerClientBuilder.standard()
            .with_access_key(os.environ["CONSUMER_AK_ID"], os.environ["CONSUMER_AK_SECRET"])
            .add_region_info(region)
            .build()
        )
        .build()
    )
    report("initial", client, names)
    for line in sys.stdin:
        command = line.strip()
        if command == "cached":
            report("cached", client, names)
        elif command == "refresh":
            for name in names:
                client.refresh_now(name)
            report("refreshed", client, names)
        elif command == "quit":
            break
    os._exit(0)  # APScheduler's refresh thread would otherwise keep the process alive


if __name__ == "__main__":
    main()
