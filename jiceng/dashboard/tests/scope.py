def samples(county, victim):
    return {"dashboard:command": {}, "dashboard:command_at": {}}


QUERIES = {"dashboard:command": "?org={town_b}", "dashboard:command_at": "?org={town_b}"}
