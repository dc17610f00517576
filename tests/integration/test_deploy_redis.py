"""deploy/redis/lens.conf on a real redis-server: the lens ACL user may do everything
the relay does (its scripts, publish, subscribe) on its own keys only, and a client
without the password gets nothing."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import redis
from redis.exceptions import AuthenticationError, NoPermissionError

from lens_server.relay import CHANNEL, CLAIM, RELEASE, SIGNAL
from tests.live_server import free_port
from tests.redis_server import REDIS_SERVER

DEPLOY_CONF = Path(__file__).resolve().parents[2] / "deploy" / "redis" / "lens.conf"


def test_the_lens_acl_user_can_relay_and_nothing_else(tmp_path: Path) -> None:
    port = free_port()
    conf = DEPLOY_CONF.read_text()
    assert "port 6379" in conf and "CHANGE-ME-long-random-password" in conf
    conf = conf.replace("port 6379", f"port {port}").replace(
        "CHANGE-ME-long-random-password", "a-test-password"
    )
    (tmp_path / "lens.conf").write_text(conf)
    server = subprocess.Popen(
        [REDIS_SERVER, str(tmp_path / "lens.conf"), "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port, username="lens", password="a-test-password")
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        held = client.register_script(CLAIM)(
            keys=["lens:c:s1", "lens:c:s1:held"], args=["c", "token", CHANNEL, "{}"]
        )
        assert held == []
        signal = client.register_script(SIGNAL)
        assert (
            signal(keys=["lens:t:1", "lens:t:1:held"], args=["t", CHANNEL, "{}", "[]", 9, 9]) == 0
        )
        assert client.register_script(RELEASE)(keys=["lens:c:s1"], args=["c", "token"]) == 1
        pubsub = client.pubsub()
        pubsub.subscribe(CHANNEL)
        pubsub.close()
        with pytest.raises(NoPermissionError):
            client.set("not-lens", 1)
        with pytest.raises(NoPermissionError):
            client.config_get("maxmemory")
        with pytest.raises(AuthenticationError):
            redis.Redis(port=port).ping()
        client.close()
    finally:
        server.terminate()
        server.wait(10)
