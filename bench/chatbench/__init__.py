"""Helpers of bench/chat.py: the stack it starts (PostgreSQL database, Redis db, Daphne), the
seeding, the WebSocket and HTTP load clients, the bare Channels floor and the report."""
