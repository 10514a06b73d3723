"""The mixed-use load test (bench/load.py): seeding, a small async HTTP client, simulated
people and the figures of each step."""
