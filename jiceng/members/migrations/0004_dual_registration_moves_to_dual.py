# Dual registration moves to its own app (jiceng.dual, issue 12): the model leaves the members
# app's state only. Its table (members_dualregistrationrecord) and rows stay; dual 0001 took the
# model into its state first, pointing at the same table. No database operation.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0003_in_transit_and_dual_registration"),
        ("dual", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DualRegistrationRecord")],
            database_operations=[],
        ),
    ]
