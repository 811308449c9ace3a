from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "posts"
    verbose_name = "Training posts"
    # Beyond selectors, services and models, what other apps may import (tests/test_rules.py):
    # the hooks higher apps register with, a post's rules, the file readers, the engagement
    # model's factor tests, and imports (the API imports a file as the import page does).
    public_modules = ("hooks", "rules", "parsers", "engagement", "importing")
