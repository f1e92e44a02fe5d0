"""Broker-side names: group ids and dead-letter topics carry the environment prefix."""

from __future__ import annotations

from dovetail_shared.messaging.kafka import dead_letter_topic, kafka_group_id


def test_group_id_and_dead_letter_topic_share_the_prefix_rule() -> None:
    assert kafka_group_id("staging", "curricula-projections") == "staging.curricula-projections"
    assert dead_letter_topic("staging", "curricula-projections") == "staging.curricula-projections.dlt"
    assert kafka_group_id("", "curricula-projections") == "curricula-projections"
    assert kafka_group_id("dev", "g") != kafka_group_id("prod", "g")
