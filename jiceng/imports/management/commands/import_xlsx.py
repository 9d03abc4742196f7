from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jiceng.core.importing import ImportFileError
from jiceng.imports import services


class Command(BaseCommand):
    help = "导入党组织或党员 Excel（全部正确才导入），生成模板，或撤销最后一批导入。"

    def add_arguments(self, parser):
        parser.add_argument("kind", nargs="?", choices=sorted(services.importers()), help="orgs 或 members")
        parser.add_argument("file", nargs="?", help="要导入的 .xlsx 文件")
        parser.add_argument("--template", metavar="FILE", help="把空白模板写到 FILE")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不导入")
        parser.add_argument("--undo-last", action="store_true", help="撤销最后一批导入（导入后未被修改时）")

    def handle(self, *args, kind=None, file=None, template=None, dry_run=False, undo_last=False, **options):
        if undo_last:
            try:
                batch = services.undo_last(actor=None)
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from exc
            self.stdout.write(self.style.SUCCESS(f"已撤销 {batch}"))
            return
        if not kind:
            raise CommandError("请指定 orgs 或 members（或使用 --undo-last）")
        if template:
            services.template(kind).save(template)
            self.stdout.write(self.style.SUCCESS(f"模板已写入 {template}"))
            return
        if not file:
            raise CommandError("请指定要导入的文件，或用 --template FILE 生成模板")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        try:
            with path.open("rb") as fh:
                outcome = services.run_import(kind, fh, actor=None, file_name=path.name, commit=not dry_run)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        if not outcome.ok:
            for error in outcome.errors:
                self.stderr.write(str(error))
            raise CommandError(f"共 {len(outcome.errors)} 处错误，未导入任何数据")
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"校验通过：{outcome.rows} 行（未导入）"))
        else:
            self.stdout.write(self.style.SUCCESS(f"已导入 {outcome.rows} 行，批次 #{outcome.batch_id}"))
