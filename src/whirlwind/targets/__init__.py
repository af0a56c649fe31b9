"""Weak-organization rectification (软弱涣散基层党组织整顿): campaigns, ranking, targets."""


def includeme(config):
    config.add_route("targets.index", "/targets")
    config.add_route("targets.export", "/targets/export.xlsx")
    config.add_route("targets.campaigns", "/targets/campaigns")
    config.add_route("targets.campaign_new", "/targets/campaigns/new")
    config.add_route("targets.campaign", "/targets/campaigns/{id:\\d+}")
    config.add_route("targets.assessment_new", "/targets/campaigns/{id:\\d+}/assessments/new")
    config.add_route("targets.assessment_import", "/targets/campaigns/{id:\\d+}/assessments/import")
    config.add_route("targets.ranking", "/targets/campaigns/{id:\\d+}/ranking")
    config.add_route("targets.add", "/targets/campaigns/{id:\\d+}/targets/new")
    config.add_route("targets.detail", "/targets/{id:\\d+}")
    config.add_route("targets.edit", "/targets/{id:\\d+}/edit")
    config.add_route("targets.identify", "/targets/{id:\\d+}/identify")
    config.add_route("targets.package", "/targets/{id:\\d+}/package")
    config.add_route("targets.plan", "/targets/{id:\\d+}/plan")
    config.add_route("targets.acceptance", "/targets/{id:\\d+}/acceptance")
    config.add_route("targets.waiver", "/targets/{id:\\d+}/items/{item_id:\\d+}/waiver")
    config.add_route("targets.recheck", "/targets/{id:\\d+}/recheck")
    config.add_route("targets.action", "/targets/{id:\\d+}/{action:start|request|clear|remove}")
