def samples(county, victim):
    return {"dashboard:command": {}, "dashboard:command_at": {}, "dashboard:warnings": {}}


QUERIES = {
    "dashboard:command": "?org={town_b}",
    "dashboard:command_at": "?org={town_b}",
    "dashboard:warnings": "?org={town_b}",
}
