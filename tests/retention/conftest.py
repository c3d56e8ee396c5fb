"""Retention tests: the hub on SQLite, the test app's database on every product backend."""

from tests.retention_support import backend, product, product_url, shop, shop_url  # noqa: F401
