"""Scrapy commands of the project (settings COMMANDS_MODULE): a `crawl` that checks its input first."""
