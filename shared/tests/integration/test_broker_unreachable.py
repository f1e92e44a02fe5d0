"""While Kafka is unreachable a worker says so once, counts the retries, and says when it is back."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from dovetail_shared.testing.probe import Probe

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from dovetail_shared import metrics
    from dovetail_shared.logging import configure_logging
    from dovetail_shared.messaging.relay import OutboxRelay
    from dovetail_shared.messaging.consumer import EventConsumer
    from dovetail_shared.testing.probe import messaging, probe_settings, Probe
    from sqlalchemy.ext.asyncio import create_async_engine

    async def main() -> None:
        configure_logging("probe", "INFO", True)
        good = probe_settings()
        bad = good.with_overrides(kafka_bootstrap_servers="127.0.0.1:9")  # closed loopback port
        engine = create_async_engine(good.database_url)
        probe = Probe(bad, engine)
        workers = [OutboxRelay(bad, engine, messaging), probe.consumer()]
        tasks = [asyncio.create_task(w.run()) for w in workers]
        await asyncio.sleep(float(sys.argv[1]))
        for w in workers:
            w.stop()
        await asyncio.gather(*tasks)
        retries = metrics.KAFKA_CONNECTION_RETRIES.labels(good.service_name)._value.get()
        print("RETRIES", int(retries), flush=True)
        relay = OutboxRelay(good, engine, messaging)
        task = asyncio.create_task(relay.run())
        for _ in range(200):
            if relay.is_leader:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)
        relay.stop()
        await task
        await engine.dispose()

    asyncio.run(main())
    """
)


def test_an_unreachable_broker_is_logged_once_counted_and_its_return_is_logged(probe: Probe) -> None:
    seconds = 5
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(seconds)], capture_output=True, text=True, timeout=90, check=True
    )
    lines = done.stdout.splitlines()
    retries = next(int(line.split()[1]) for line in lines if line.startswith("RETRIES"))
    events = [json.loads(line).get("event") for line in lines if line.startswith("{")]
    assert retries > 0
    assert events.count("kafka.unreachable") == 1
    assert "kafka.reachable" in events
    # Bounded: a handful of lines for the whole outage instead of thousands.
    assert len(lines) < 40, lines
