"""Kafka side of internships: the topics it publishes, the learners projection, the reaction to firm rejections."""
