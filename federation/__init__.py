"""The consortium: aggregator, projections, reports and the broker it runs on."""
