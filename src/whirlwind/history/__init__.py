"""Historical import (历史数据导入): ledgers kept over the years (.xlsx, .xls, .ods, .csv)
read within bounds (``whirlwind.tabular``), checked, and written in bulk as clues and cases.

Modules: ``columns`` (header row, synonyms), ``units`` (units by name, path, code, old name),
``importer`` (validation and the rows to write), ``bulk`` (the bulk write), ``jobs`` (job
files and the background check), ``views`` (the import page), ``commands``
(``whirlwind import``)."""


def includeme(config):
    config.add_route("history.import", "/search/import")
    config.add_route("history.import_run", r"/search/import/{job}/run")
    config.add_route("history.import_job", r"/search/import/{job}")
