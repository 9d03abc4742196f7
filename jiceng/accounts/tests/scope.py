def samples(county, victim):
    return {"accounts:login": {}, "accounts:logout": {}}


ANONYMOUS_OPEN = {"accounts:login"}
