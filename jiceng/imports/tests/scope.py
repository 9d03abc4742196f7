def samples(county, victim):
    return {
        "imports:index": {},
        "imports:template": {"kind": "members"},
        "imports:preview": {},
        "imports:confirm": {},
        "imports:undo": {},
    }


POSTS = {"imports:confirm": {"token": "x"}}


def setup(county):
    from jiceng.imports.models import ImportBatch

    batch = ImportBatch.objects.create(kind="members", row_count=0, org_path=county.town_b.path)
    return {"victim_batch": batch.pk}


def invariants(county):
    from jiceng.imports.models import ImportBatch

    return list(ImportBatch.objects.filter(org_path=county.town_b.path).values_list("pk", "status"))
