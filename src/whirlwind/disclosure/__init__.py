"""“Three affairs” disclosure compliance (三务公开): catalogue, derived calendar, records,
checks, failures that open ledger items, and compliance rates."""


def includeme(config):
    config.add_route("disclosure.index", "/disclosure")
    config.add_route("disclosure.catalog", "/disclosure/catalog")
    config.add_route("disclosure.catalog_seed", "/disclosure/catalog/seed")
    config.add_route("disclosure.catalog_new", "/disclosure/catalog/new")
    config.add_route("disclosure.catalog_edit", "/disclosure/catalog/{id:\\d+}/edit")
    config.add_route("disclosure.calendar_export", "/disclosure/units/{org_id:\\d+}/calendar.xlsx")
    config.add_route("disclosure.calendar", "/disclosure/units/{org_id:\\d+}/calendar")
    config.add_route("disclosure.rates_export", "/disclosure/rates.xlsx")
    config.add_route("disclosure.rates", "/disclosure/rates")
    config.add_route("disclosure.city_export", "/disclosure/city.xlsx")
    config.add_route("disclosure.city", "/disclosure/city")
    config.add_route("disclosure.records_export", "/disclosure/records.xlsx")
    config.add_route("disclosure.records", "/disclosure/records")
    config.add_route("disclosure.record_new", "/disclosure/records/new")
    config.add_route("disclosure.record", "/disclosure/records/{id:\\d+}")
    config.add_route("disclosure.record_edit", "/disclosure/records/{id:\\d+}/edit")
    config.add_route("disclosure.record_evidence", "/disclosure/records/{id:\\d+}/evidence")
    config.add_route("disclosure.check_new", "/disclosure/checks/new")
    config.add_route("disclosure.check", "/disclosure/checks/{id:\\d+}")
    config.add_route("disclosure.failure_new", "/disclosure/failures/new")
    config.add_route("disclosure.source", "/disclosure/failures/{id:\\d+}")
