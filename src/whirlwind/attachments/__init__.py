"""Evidence files (佐证材料): upload checks, storage by content hash, scoped download."""


def includeme(config):
    config.add_route("attachments.download", "/attachments/{id:\\d+}")
