"""Scrapy item pipelines between the spider and the database, one purpose each.

Order (set in `crawler/settings.py` ITEM_PIPELINES): `validate.ValidatePagePipeline` drops
malformed `PageItem`s with a reason, `dedupe.DuplicateContentPipeline` marks repeated content
as `duplicate`, `store.StorePipeline` writes pages, presence and evidence and, when the spider
closes, the run's candidates. Counters are kept in Scrapy stats under `portal_evidence/`.
"""
