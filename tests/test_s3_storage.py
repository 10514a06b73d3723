"""Object storage through a real S3 conversation with a local endpoint (moto's server):
the health check writes, reads and deletes there, and avatars are served through the
access layer from the bucket."""

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.conftest import png

BUCKET = "collabhub-test"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_storage(s3_endpoint, settings):
    credentials = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **credentials)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "test",
                "secret_key": "test",
                "default_acl": "private",
                "file_overwrite": False,
            },
        },
    }
    yield client
    listing = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in listing:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_the_health_check_uses_the_bucket(client, s3_storage, db):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json()["checks"]["storage"] == {"ok": True}
    # It cleaned up after itself.
    assert s3_storage.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0


def test_the_health_check_reports_a_missing_bucket(client, s3_storage, db):
    s3_storage.delete_bucket(Bucket=BUCKET)
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False
    s3_storage.create_bucket(Bucket=BUCKET)


def test_a_collab_avatar_lives_in_the_bucket_and_is_served_to_members_only(
    client, s3_storage, collab, owner, outsider, other_collab
):
    collab.avatar = png("logo.png")
    collab.save()
    keys = [o["Key"] for o in s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert any(key.startswith("avatars/collabs/") for key in keys)

    client.force_login(owner)
    response = client.get(f"/collabs/{collab.pk}/avatar/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")

    client.force_login(outsider)
    assert client.get(f"/collabs/{collab.pk}/avatar/").status_code == 404
