"""The planner: (desired, recorded, live) -> Plan. Pure: no HTTP, DB, clock, env or printing."""
