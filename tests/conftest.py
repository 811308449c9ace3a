from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django.test import Client

from accounts.models import Membership, Role, User, Workspace
from home.demo_posts import DEMO_POSTS
from personas.models import Persona
from tests.factories import PersonaFactory, PostFactory, UserFactory, VoiceProfileFactory
from tests.helpers import client_for, personal_workspace


@pytest.fixture(autouse=True, scope="session")
def _own_celery_queue() -> None:
    """Tasks the tests enqueue go to a queue of this run, never to a running `make run`'s."""
    from contentapp.celery import app

    app.conf.task_default_queue = f"test-{uuid.uuid4().hex[:12]}"
    # One queue for every lane here: the browser tests' in-process worker serves them all
    # (the lanes themselves: tests/core/test_lanes.py).
    app.conf.task_routes = ()


@pytest.fixture(autouse=True)
def _isolated_cache(settings) -> Iterator[None]:
    """Each test gets its own cache key space in the shared Redis, and its own fragments.

    No FLUSHDB: a running `make run` may share the server."""
    fragments = {**settings.CACHES["template_fragments"], "LOCATION": uuid.uuid4().hex}
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}"},
        "template_fragments": fragments,
    }
    yield
    caches["template_fragments"].clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Passwords set in tests are hashed with MD5: Argon2 costs a tenth of a second per user.

    The production hashers stay listed after it, so a password hashed before still checks;
    tests/accounts/test_signup_login.py puts the production list back to prove sign-up's hash."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


@pytest.fixture(autouse=True)
def _redis_breakers_closed() -> None:
    """A test that made Redis fail leaves the next one trying it again at once."""
    import core.cache
    import core.jobs

    core.jobs._broker_paused_until = 0.0
    core.cache._paused_until = 0.0


@pytest.fixture(autouse=True)
def _loopback_fakes_allowed(settings) -> None:
    """The fakes of the platforms listen on 127.0.0.1.

    The tests are an operator who allows that one address (ALLOW_PRIVATE_HOSTS), as a self-hosted
    install with a local model server would. tests/core/test_egress.py takes it away again."""
    settings.ALLOW_PRIVATE_HOSTS = ["127.0.0.1"]


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path) -> None:
    """Uploaded images go to the test's own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def owner(db) -> User:
    return UserFactory(email="owner@example.com", name="Olivia Owner")


@pytest.fixture
def workspace(owner: User) -> Workspace:
    return personal_workspace(owner)


def _member(workspace: Workspace, email: str, role: str) -> User:
    user = UserFactory(email=email)
    Membership.objects.create(workspace=workspace, user=user, role=role)
    return user


@pytest.fixture
def teammate(workspace: Workspace) -> User:
    """An editor in the owner's workspace."""
    return _member(workspace, "teammate@example.com", Role.EDITOR)


@pytest.fixture
def admin_member(workspace: Workspace) -> User:
    return _member(workspace, "admin@example.com", Role.ADMIN)


@pytest.fixture
def viewer(workspace: Workspace) -> User:
    return _member(workspace, "viewer@example.com", Role.VIEWER)


@pytest.fixture
def stranger(db) -> User:
    """Someone with their own workspace and no access to the owner's."""
    return UserFactory(email="stranger@example.com")


@pytest.fixture
def owner_client(owner: User, workspace: Workspace) -> Client:
    return client_for(owner, workspace)


@pytest.fixture
def persona_timezone() -> str:
    """The zone of `persona`: a module overrides this fixture to test another."""
    return "Europe/Lisbon"


@pytest.fixture
def persona_with_voice() -> bool:
    """Whether `persona` has the demo posts and a voice version (what drafting needs).

    A module that drafts overrides this fixture with True."""
    return False


@pytest.fixture
def persona(workspace: Workspace, persona_timezone: str, persona_with_voice: bool) -> Persona:
    """The owner's persona (LinkedIn, English).

    A module that needs more (slots, embedded posts) extends it with a fixture of the same name that
    takes this one."""
    persona = PersonaFactory(workspace=workspace, timezone=persona_timezone)
    if persona_with_voice:
        for text, *_ in DEMO_POSTS:
            PostFactory(persona=persona, text=text)
        VoiceProfileFactory(persona=persona)
    return persona
