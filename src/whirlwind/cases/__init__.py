"""Micro-corruption clues and cases (问题线索与案件): intake, disposal, case stages,
sanctions, public naming, time-limit warnings and 以案促改."""


def includeme(config):
    # Fixed paths before the /cases/{id} pattern.
    config.add_route("cases.index", "/cases/clues")
    config.add_route("cases.clues_export", "/cases/clues.xlsx")
    config.add_route("cases.clue_new", "/cases/clues/new")
    config.add_route("cases.clue", r"/cases/clues/{id:\d+}")
    config.add_route("cases.clue_edit", r"/cases/clues/{id:\d+}/edit")
    config.add_route("cases.clue_propose", r"/cases/clues/{id:\d+}/propose")
    config.add_route("cases.clue_duplicate", r"/cases/clues/{id:\d+}/duplicate")
    config.add_route("cases.clue_upload", r"/cases/clues/{id:\d+}/attachments")
    config.add_route("cases.disposal_approve", r"/cases/disposals/{id:\d+}/approve")
    config.add_route("cases.disposal_reject", r"/cases/disposals/{id:\d+}/reject")
    config.add_route("cases.disposal_response", r"/cases/disposals/{id:\d+}/response")
    config.add_route("cases.disposal_conclude", r"/cases/disposals/{id:\d+}/conclude")
    config.add_route("cases.cases", "/cases/list")
    config.add_route("cases.cases_export", "/cases/list.xlsx")
    config.add_route("cases.overdue", "/cases/overdue")
    config.add_route("cases.notices", "/cases/notices")
    config.add_route("cases.notice_new", "/cases/notices/new")
    config.add_route("cases.subject", r"/cases/subjects/{id:\d+}")
    config.add_route("cases.case", r"/cases/{id:\d+}")
    config.add_route("cases.case_advance", r"/cases/{id:\d+}/advance")
    config.add_route("cases.case_extend", r"/cases/{id:\d+}/extend")
    config.add_route("cases.case_early_review", r"/cases/{id:\d+}/early-review")
    config.add_route("cases.case_revoke", r"/cases/{id:\d+}/revoke")
    config.add_route("cases.case_upload", r"/cases/{id:\d+}/attachments")
    config.add_route("cases.subject_add", r"/cases/{id:\d+}/subjects")
    config.add_route("cases.case_rectify", r"/cases/{id:\d+}/rectify")
